// Every way a safetensors file can lie, each built here byte by byte: the
// reader must throw FormatError naming the file and (where one is at fault)
// the tensor, never crash or return garbage.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/io/safetensors_header.h"
#include "slimlm/io/safetensors_reader.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

using slimlm::testing::le64;
using slimlm::testing::safetensors_bytes;
using slimlm::testing::TempDir;

struct Malformed {
  std::string label;
  std::string bytes;
  std::string tensor;  // the name the message must quote; empty for file-level faults
  std::string phrase;  // a piece of the message saying what is wrong
};

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

std::vector<Malformed> cases() {
  const std::string d16(16, '\x01');
  std::vector<Malformed> c;
  c.push_back({"too_short", std::string("\x05\0\0", 3), "", "too short"});
  c.push_back({"empty_file", "", "", "too short"});
  c.push_back({"header_past_end", le64(100) + "{}", "", "runs past the end"});
  c.push_back({"header_over_cap", le64(200'000'000) + "{}", "", "exceeds the 100000000 byte limit"});
  c.push_back({"header_length_huge", le64(~uint64_t{0}) + "{}", "", "exceeds"});
  c.push_back({"empty_header", le64(0), "", "not valid UTF-8 JSON"});
  c.push_back({"not_json", safetensors_bytes("{not json", ""), "", "not valid UTF-8 JSON"});
  c.push_back({"truncated_json", safetensors_bytes(R"({"w":{"dtype":"F32")", ""), "", "not valid UTF-8 JSON"});
  c.push_back({"invalid_utf8", safetensors_bytes("{\"w\xff\":{}}", ""), "", "not valid UTF-8 JSON"});
  c.push_back({"lone_surrogate", safetensors_bytes(R"({"w\ud800":{}})", ""), "", "not valid UTF-8 JSON"});
  c.push_back({"header_is_list", safetensors_bytes("[1,2]", ""), "", "not an object"});
  c.push_back({"header_is_string", safetensors_bytes("\"x\"", ""), "", "not an object"});
  c.push_back({"entry_not_object", safetensors_bytes(R"({"w":5})", ""), "w", "not an object"});
  c.push_back({"missing_offsets", safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4]}})", d16), "w",
               "no \"data_offsets\""});
  c.push_back({"missing_dtype", safetensors_bytes(R"({"w":{"shape":[4],"data_offsets":[0,16]}})", d16),
               "w", "no \"dtype\""});
  c.push_back({"extra_key",
               safetensors_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"x":1}})", d16),
               "w", "unexpected key 'x'"});
  c.push_back({"unknown_dtype", safetensors_bytes("{" + entry("w", "F4", "[4]", 0, 16) + "}", d16), "w",
               "unknown dtype 'F4'"});
  c.push_back({"dtype_not_string",
               safetensors_bytes(R"({"w":{"dtype":7,"shape":[4],"data_offsets":[0,16]}})", d16), "w",
               "dtype is a JSON number"});
  c.push_back({"negative_dim", safetensors_bytes("{" + entry("w", "F32", "[-4]", 0, 16) + "}", d16), "w",
               "non-negative integers"});
  c.push_back({"float_dim", safetensors_bytes("{" + entry("w", "F32", "[4.0]", 0, 16) + "}", d16), "w",
               "non-negative integers"});
  c.push_back({"shape_not_list", safetensors_bytes("{" + entry("w", "F32", "4", 0, 16) + "}", d16), "w",
               "not a list"});
  c.push_back({"dim_beyond_int64",
               safetensors_bytes("{" + entry("w", "U8", "[9223372036854775808]", 0, 16) + "}", d16), "w",
               "non-negative integers"});
  c.push_back({"numel_overflow",
               safetensors_bytes("{" + entry("w", "F32", "[4294967296,4294967296,4]", 0, 16) + "}", d16),
               "w", "overflows"});
  c.push_back({"bytes_overflow",
               safetensors_bytes("{" + entry("w", "F64", "[4611686018427387904]", 0, 16) + "}", d16), "w",
               "overflow"});
  c.push_back({"size_mismatch", safetensors_bytes("{" + entry("w", "F32", "[3]", 0, 16) + "}", d16), "w",
               "needs 12 bytes"});
  c.push_back({"begin_after_end", safetensors_bytes("{" + entry("w", "U8", "[0]", 16, 0) + "}", d16), "w",
               "end before they begin"});
  c.push_back({"offsets_arity", safetensors_bytes(R"({"w":{"dtype":"U8","shape":[16],"data_offsets":[0]}})", d16),
               "w", "not a pair"});
  c.push_back({"offsets_negative",
               safetensors_bytes(R"({"w":{"dtype":"U8","shape":[16],"data_offsets":[-1,15]}})", d16), "w",
               "not a pair"});
  c.push_back({"outside_data", safetensors_bytes("{" + entry("w", "F32", "[8]", 0, 32) + "}", d16), "w",
               "outside the data area of 16 bytes"});
  c.push_back({"overlap",
               safetensors_bytes("{" + entry("a", "F32", "[3]", 0, 12) + "," + entry("b", "F32", "[2]", 8, 16) + "}",
                                 d16),
               "b", "overlap tensor 'a'"});
  c.push_back({"same_range",
               safetensors_bytes("{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[4]", 0, 16) + "}",
                                 d16),
               "b", "overlap"});
  c.push_back({"hole",
               safetensors_bytes("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 12, 16) + "}",
                                 d16),
               "b", "belong to no tensor"});
  c.push_back({"hole_at_start", safetensors_bytes("{" + entry("w", "F32", "[3]", 4, 16) + "}", d16), "w",
               "bytes [0, 4)"});
  c.push_back({"trailing_bytes", safetensors_bytes("{" + entry("w", "F32", "[3]", 0, 12) + "}", d16), "w",
               "ends at byte 12"});
  c.push_back({"data_without_tensors", safetensors_bytes("{}", d16), "", "lists no tensors"});
  c.push_back({"duplicate_name",
               safetensors_bytes("{" + entry("w", "F32", "[2]", 0, 8) + "," + entry("w", "F32", "[2]", 8, 16) + "}",
                                 d16),
               "w", "appears twice"});
  c.push_back({"duplicate_field",
               safetensors_bytes(R"({"w":{"dtype":"F32","dtype":"U8","shape":[4],"data_offsets":[0,16]}})", d16),
               "w", "key 'dtype' appears twice"});
  c.push_back({"metadata_not_strings",
               safetensors_bytes(R"({"__metadata__":{"format":1},)" + entry("w", "F32", "[4]", 0, 16) + "}", d16),
               "", "__metadata__ value of 'format'"});
  c.push_back({"metadata_not_object",
               safetensors_bytes(R"({"__metadata__":["pt"],)" + entry("w", "F32", "[4]", 0, 16) + "}", d16), "",
               "__metadata__ is a JSON array"});
  c.push_back({"metadata_twice",
               safetensors_bytes(R"({"__metadata__":{},"__metadata__":{},)" + entry("w", "F32", "[4]", 0, 16) + "}",
                                 d16),
               "", "__metadata__ appears twice"});
  c.push_back({"deep_nesting", safetensors_bytes(R"({"w":{"dtype":[[[[[[[[[[1]]]]]]]]]]}})", ""), "w",
               "nests deeper"});
  c.push_back({"control_char_name",
               safetensors_bytes("{" + entry("a\\nb", "F32", "[5]", 0, 16) + "}", d16), "a\\x0ab", "needs 20 bytes"});
  return c;
}

class SafetensorsMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(SafetensorsMalformed, ThrowsFormatErrorNamingFileAndTensor) {
  const Malformed& m = GetParam();
  TempDir tmp;
  const auto path = tmp / ("bad_" + m.label + ".safetensors");
  testing::write_file(path, m.bytes);
  try {
    SafetensorsFile::open(path);
    FAIL() << m.label << ": expected FormatError";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    if (!m.tensor.empty()) {
      EXPECT_NE(msg.find("tensor '" + m.tensor + "'"), std::string::npos) << msg;
    }
    EXPECT_NE(msg.find(m.phrase), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message must be one line: " << msg;
  }
  // The in-memory parser (the fuzz target's entry point) agrees.
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(m.bytes.data()), m.bytes.size());
  EXPECT_THROW(parse_safetensors_header(bytes, "mem"), FormatError);
}

INSTANTIATE_TEST_SUITE_P(AllCases, SafetensorsMalformed, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.label; });

TEST(SafetensorsHeader, AcceptsZeroSizeTensorsSharingAnOffset) {
  // Zero-byte tensors may sit anywhere a boundary lies, including together.
  const std::string d(8, '\0');
  const std::string h = "{" + entry("e1", "F32", "[0]", 0, 0) + "," + entry("e2", "BF16", "[2,0]", 0, 0) +
                        "," + entry("w", "F32", "[2]", 0, 8) + "," + entry("e3", "I8", "[0]", 8, 8) + "}";
  const std::string file = safetensors_bytes(h, d);
  const auto parsed = parse_safetensors_header(
      std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size()), "mem");
  ASSERT_EQ(parsed.tensors.size(), 4u);
  EXPECT_EQ(parsed.tensors[0].name, "e1");  // header order, not offset order
  EXPECT_EQ(parsed.tensors[3].name, "e3");
  EXPECT_EQ(parsed.data_bytes, 8u);
}

TEST(SafetensorsHeader, AcceptsSpacePaddingAndOutOfOrderOffsets) {
  const std::string d(12, '\0');
  const std::string h = "{" + entry("b", "U8", "[4]", 8, 12) + "," + entry("a", "F32", "[2]", 0, 8) + "}   ";
  const std::string file = safetensors_bytes(h, d);
  const auto parsed = parse_safetensors_header(
      std::span(reinterpret_cast<const uint8_t*>(file.data()), file.size()), "mem");
  ASSERT_EQ(parsed.tensors.size(), 2u);
  EXPECT_EQ(parsed.tensors[0].name, "b");
  EXPECT_EQ(parsed.tensors[1].begin, 0u);
  EXPECT_EQ(parsed.data_offset, 8 + h.size());
}

TEST(SafetensorsReader, MissingFileIsIoErrorNamingIt) {
  TempDir tmp;
  try {
    SafetensorsFile::open(tmp / "absent.safetensors");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace slimlm::io
