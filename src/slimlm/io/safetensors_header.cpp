#include "slimlm/io/safetensors_header.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/io/message_text.h"

namespace slimlm::io {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kMetadataKey = "__metadata__";
// Real headers nest three deep (object -> entry -> shape list); anything much
// deeper is rejected before it can cost stack or memory.
constexpr size_t kMaxDepth = 8;

class HeaderParser {
 public:
  HeaderParser(std::span<const uint8_t> bytes, std::string_view file) : bytes_(bytes), file_(file) {}

  SafetensorsHeader parse() {
    SafetensorsHeader h;
    if (bytes_.size() < 8) {
      fail(fmt::format("{} bytes is too short for a safetensors file (it starts with an 8-byte "
                       "header length)",
                       bytes_.size()));
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes_[static_cast<size_t>(i)];
    const uint64_t available = bytes_.size() - 8;
    if (n > kMaxSafetensorsHeaderBytes) {
      fail(fmt::format("header length {} exceeds the {} byte limit", n, kMaxSafetensorsHeaderBytes));
    }
    if (n > available) {
      fail(fmt::format("header length {} runs past the end of the file ({} bytes after the "
                       "length prefix)",
                       n, available));
    }
    h.header_bytes = n;
    h.data_offset = 8 + n;
    h.data_bytes = available - n;

    const char* first = reinterpret_cast<const char*>(bytes_.data()) + 8;
    const Json root = parse_json(first, first + n);
    if (!root.is_object()) fail(fmt::format("header is a JSON {}, not an object", root.type_name()));

    for (const auto& [key, value] : root.items()) {
      if (key == kMetadataKey) {
        h.metadata = parse_metadata(value);
      } else {
        h.tensors.push_back(parse_entry(key, value, h.data_bytes));
      }
    }
    check_layout(h);
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(fmt::format("{}: {}", file_, what));
  }
  [[noreturn]] void fail_tensor(std::string_view name, const std::string& what) const {
    throw FormatError(fmt::format("{}: tensor {}: {}", file_, quote_name(name), what));
  }

  // Where a problem found mid-parse lies: the top-level key being read.
  std::string context() const {
    if (!top_key_) return "header";
    if (*top_key_ == kMetadataKey) return std::string(kMetadataKey);
    return "tensor " + quote_name(*top_key_);
  }

  Json parse_json(const char* first, const char* last) {
    // nlohmann keeps one value of a repeated key without a word, so repeats
    // are caught here, per object, as the parser reports each key.
    std::vector<std::optional<std::set<std::string>>> open;  // nullopt for arrays
    auto callback = [&](int /*depth*/, Json::parse_event_t ev, Json& parsed) -> bool {
      switch (ev) {
        case Json::parse_event_t::object_start:
        case Json::parse_event_t::array_start:
          if (open.size() >= kMaxDepth) {
            fail(fmt::format("{} nests deeper than {} levels", context(), kMaxDepth));
          }
          if (ev == Json::parse_event_t::object_start) {
            open.emplace_back(std::set<std::string>{});
          } else {
            open.emplace_back(std::nullopt);
          }
          break;
        case Json::parse_event_t::key: {
          const auto& k = parsed.get_ref<const std::string&>();
          if (open.size() == 1) top_key_ = k;
          if (!open.empty() && open.back() && !open.back()->insert(k).second) {
            if (open.size() == 1) {
              if (k == kMetadataKey) fail("__metadata__ appears twice in the header");
              fail_tensor(k, "appears twice in the header");
            }
            fail(fmt::format("{}: key {} appears twice", context(), quote_name(k)));
          }
          break;
        }
        case Json::parse_event_t::object_end:
        case Json::parse_event_t::array_end:
          if (!open.empty()) open.pop_back();
          break;
        case Json::parse_event_t::value:
          break;
      }
      return true;
    };
    try {
      return Json::parse(first, last, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const Json::exception& e) {
      fail(fmt::format("header is not valid UTF-8 JSON (near {}): {}", context(), printable(e.what())));
    }
  }

  std::map<std::string, std::string> parse_metadata(const Json& value) const {
    if (!value.is_object()) {
      fail(fmt::format("__metadata__ is a JSON {}, not an object of strings", value.type_name()));
    }
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : value.items()) {
      if (!v.is_string()) {
        fail(fmt::format("__metadata__ value of {} is a JSON {}, not a string", quote_name(k),
                         v.type_name()));
      }
      out.emplace(k, v.get<std::string>());
    }
    return out;
  }

  SafetensorsTensorInfo parse_entry(const std::string& name, const Json& value,
                                    uint64_t data_bytes) const {
    SafetensorsTensorInfo t;
    t.name = name;
    if (!value.is_object()) {
      fail_tensor(name, fmt::format("entry is a JSON {}, not an object", value.type_name()));
    }
    for (const auto& [k, v] : value.items()) {
      if (k != "dtype" && k != "shape" && k != "data_offsets") {
        fail_tensor(name, fmt::format("unexpected key {} (an entry holds exactly dtype, shape "
                                      "and data_offsets)",
                                      quote_name(k)));
      }
    }
    for (const char* k : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(k)) fail_tensor(name, fmt::format("entry has no \"{}\"", k));
    }

    const Json& dt = value["dtype"];
    if (!dt.is_string()) fail_tensor(name, fmt::format("dtype is a JSON {}, not a string", dt.type_name()));
    const auto& dts = dt.get_ref<const std::string&>();
    const auto dtype = dtype_from_safetensors(dts);
    if (!dtype) fail_tensor(name, fmt::format("unknown dtype {}", quote_name(dts)));
    t.dtype = *dtype;

    const Json& shape = value["shape"];
    if (!shape.is_array()) fail_tensor(name, fmt::format("shape is a JSON {}, not a list", shape.type_name()));
    for (const Json& d : shape) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}) {
        fail_tensor(name, fmt::format("shape {} is not a list of non-negative integers",
                                      printable(shape.dump())));
      }
      t.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }

    const Json& off = value["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned()) {
      fail_tensor(name, fmt::format("data_offsets {} is not a pair of non-negative integers",
                                    printable(off.dump())));
    }
    t.begin = off[0].get<uint64_t>();
    t.end = off[1].get<uint64_t>();
    if (t.begin > t.end) {
      fail_tensor(name, fmt::format("data_offsets [{}, {}] end before they begin", t.begin, t.end));
    }
    if (t.end > data_bytes) {
      fail_tensor(name, fmt::format("data_offsets [{}, {}] lie outside the data area of {} bytes",
                                    t.begin, t.end, data_bytes));
    }

    uint64_t nbytes = 0;
    try {
      nbytes = dtype_bytes(t.dtype, shape_numel(t.shape));
    } catch (const Error& e) {
      fail_tensor(name, e.what());
    }
    if (nbytes != t.end - t.begin) {
      fail_tensor(name, fmt::format("{} {} needs {} bytes but data_offsets [{}, {}] hold {}",
                                    to_string(t.dtype), shape_to_string(t.shape), nbytes, t.begin,
                                    t.end, t.end - t.begin));
    }
    return t;
  }

  void check_layout(const SafetensorsHeader& h) const {
    std::vector<size_t> order(h.tensors.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const auto& x = h.tensors[a];
      const auto& y = h.tensors[b];
      return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
    });
    uint64_t covered = 0;
    const SafetensorsTensorInfo* prev = nullptr;
    for (size_t i : order) {
      const auto& t = h.tensors[i];
      if (t.begin < covered) {
        fail_tensor(t.name, fmt::format("bytes [{}, {}) overlap tensor {} at [{}, {})", t.begin,
                                        t.end, quote_name(prev->name), prev->begin, prev->end));
      }
      if (t.begin > covered) {
        fail_tensor(t.name, fmt::format("starts at byte {} of the data area, leaving bytes [{}, {}) "
                                        "that belong to no tensor",
                                        t.begin, covered, t.begin));
      }
      covered = t.end;
      prev = &t;
    }
    if (covered != h.data_bytes) {
      if (prev) {
        fail_tensor(prev->name, fmt::format("ends at byte {}, leaving bytes [{}, {}) at the end of "
                                            "the data area that belong to no tensor",
                                            covered, covered, h.data_bytes));
      }
      fail(fmt::format("data area has {} bytes but the header lists no tensors", h.data_bytes));
    }
  }

  std::span<const uint8_t> bytes_;
  std::string_view file_;
  std::optional<std::string> top_key_;
};

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file_bytes,
                                           std::string_view name_for_errors) {
  return HeaderParser(file_bytes, name_for_errors).parse();
}

}  // namespace slimlm::io
