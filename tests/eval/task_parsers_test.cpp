// Task data readers on hand-made files: RFC 4180 CSV, bzip2, HellaSwag's
// llama.cpp text and lm-eval's preprocessing, MMLU CSVs and prompts, GSM8K
// JSONL and answer extraction, the JSONL multiple-choice schema. Malformed
// files fail with FormatError naming the file and line.
#include <bzlib.h>
#include <gtest/gtest.h>

#include <string>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/csv_reader.h"
#include "slimlm/eval/tasks/gsm8k.h"
#include "slimlm/eval/tasks/hellaswag.h"
#include "slimlm/eval/tasks/mmlu.h"
#include "slimlm/eval/tasks/multiple_choice_jsonl.h"
#include "slimlm/eval/tasks/task_file.h"
#include "slimlm/eval/tasks/task_registry.h"
#include "test_util.h"

namespace slimlm::eval {
namespace {

using testing::TempDir;
using testing::write_file;

// The message of the FormatError fn throws ("" when it throws none).
template <class Fn>
std::string format_error(Fn&& fn) {
  try {
    fn();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::string bzip2(const std::string& s) {
  std::string out(s.size() + s.size() / 100 + 600, '\0');
  auto n = static_cast<unsigned>(out.size());
  EXPECT_EQ(BZ2_bzBuffToBuffCompress(out.data(), &n, const_cast<char*>(s.data()), static_cast<unsigned>(s.size()),
                                     9, 0, 0),
            BZ_OK);
  out.resize(n);
  return out;
}

TEST(Csv, QuotedFieldsWithCommasQuotesAndLineBreaks) {
  const std::string text =
      "a,b,c\r\n"
      "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
      "plain,,\n"
      "\n"
      "last,\"\",end";
  const auto r = parse_csv(text, "t.csv");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r[1].fields, (std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].fields, (std::vector<std::string>{"plain", "", ""}));
  EXPECT_EQ(r[2].line, 4);  // the quoted line break moved it down
  EXPECT_EQ(r[3].fields, (std::vector<std::string>{"last", "", "end"}));
  EXPECT_EQ(r[3].line, 6);
  EXPECT_EQ(parse_csv("\xEF\xBB\xBFh\n", "bom.csv")[0].fields[0], "h");
}

TEST(Csv, MalformedNamesFileAndLine) {
  EXPECT_NE(format_error([] { parse_csv("a,b\n\"open,\nstill open", "f.csv"); }).find("f.csv:3: quoted field never closed (opened on line 2)"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_csv("a,b\nx\"y,z\n", "g.csv"); }).find("g.csv:2: a quote inside an unquoted field"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_csv("\"a\"b,c\n", "h.csv"); }).find("h.csv:1: unexpected character 'b'"),
            std::string::npos);
}

TEST(TaskFile, ReadsBzip2DirectlyIncludingConcatenatedStreams) {
  TempDir d;
  const std::string text = "first line\nsecond line\n";
  write_file(d / "a.txt.bz2", bzip2(text));
  EXPECT_EQ(read_task_file(d / "a.txt.bz2"), text);
  write_file(d / "b.txt.bz2", bzip2("one ") + bzip2("two"));
  EXPECT_EQ(read_task_file(d / "b.txt.bz2"), "one two");
  write_file(d / "plain.txt", text);
  EXPECT_EQ(read_task_file(d / "plain.txt"), text);

  const std::string whole = bzip2(std::string(5000, 'x'));
  write_file(d / "cut.bz2", whole.substr(0, whole.size() / 2));
  EXPECT_NE(format_error([&] { read_task_file(d / "cut.bz2"); }).find("cut.bz2: truncated bzip2 data"), std::string::npos);
  write_file(d / "junk.bz2", "definitely not bzip2");
  EXPECT_NE(format_error([&] { read_task_file(d / "junk.bz2"); }).find("junk.bz2: corrupt bzip2 data"), std::string::npos);
  EXPECT_THROW(read_task_file(d / "missing.txt"), IoError);
}

TEST(HellaSwag, LmEvalPreprocessing) {
  EXPECT_EQ(hellaswag_preprocess("  Do it [title] Then rest. "), "Do it. Then rest.");
  EXPECT_EQ(hellaswag_preprocess("Visit [www.kiddio.org] to find [a] ideas"), "Visit to find ideas");
  EXPECT_EQ(hellaswag_preprocess("a [unclosed bracket"), "a [unclosed bracket");
  EXPECT_EQ(hellaswag_preprocess("x   y"), "x  y");  // one left-to-right pass, as str.replace
  // ctx_b (the lower-case fragment after the last ". ") is capitalised, the rest lowered.
  EXPECT_EQ(hellaswag_query("Roof shingle removal: A man is sitting on a roof. he"),
            "Roof shingle removal: A man is sitting on a roof. He");
  EXPECT_EQ(hellaswag_query("Canoeing: Two women are shown. the child and a Different man"),
            "Canoeing: Two women are shown. The child and a different man");
  // WikiHow: ctx_b empty, nothing changes.
  EXPECT_EQ(hellaswag_query("Family Life: How to play. Ask the toddler."), "Family Life: How to play. Ask the toddler.");
}

TEST(HellaSwag, ParsesSixLineTasks) {
  const std::string text =
      "Roof shingle removal: A man is sitting on a roof. he\n3\nis using wrap.\nis ripping tiles off.\n"
      "is holding a cube.\nstarts pulling up roofing on a roof.\n"
      "Baking: How to bake [title] Mix flour.\n0\nStir [step] well.\nBake.\nEat.\nSleep.\n";
  const auto items = parse_hellaswag(text, "hs.txt");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].context, "Roof shingle removal: A man is sitting on a roof. He");
  EXPECT_EQ(items[0].gold, 3);
  EXPECT_EQ(items[0].choices[3], "starts pulling up roofing on a roof.");
  EXPECT_EQ(items[1].context, "Baking: How to bake. Mix flour.");
  EXPECT_EQ(items[1].choices[0], "Stir well.");
}

TEST(HellaSwag, MalformedFiles) {
  EXPECT_NE(format_error([] { parse_hellaswag("ctx\n1\na\nb\nc\nd\nctx2\n7\na\nb\nc\nd\n", "hs.txt"); })
                .find("hs.txt:8: gold label '7' is not 0, 1, 2 or 3"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_hellaswag("ctx\n1\na\nb\nc\n", "hs.txt"); }).find("not a whole number of 6-line tasks"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_hellaswag("ctx\n1\na\n\nc\nd\n", "hs.txt"); }).find("hs.txt:4: empty ending 1"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_hellaswag("\n\n", "hs.txt"); }).find("no HellaSwag tasks"), std::string::npos);
}

const char* const kMmluHeader = "question,choice0,choice1,choice2,choice3,answer\n";

TEST(Mmlu, CsvWithHeaderAndZeroBasedAnswers) {
  const std::string text = std::string(kMmluHeader) +
                           "\"Statement 1 | a, b.\nStatement 2 | c.\",\"True, True\",\"False, False\",x,y,1\n"
                           "Find c.,0,1,2,3,3\n";
  const auto q = parse_mmlu_csv(text, "s_test.csv");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].question, "Statement 1 | a, b.\nStatement 2 | c.");
  EXPECT_EQ(q[0].choices[1], "False, False");
  EXPECT_EQ(q[0].answer, 1);
  EXPECT_EQ(q[1].answer, 3);

  EXPECT_NE(format_error([] { parse_mmlu_csv("q,a,b,c,d,answer\n", "x.csv"); }).find("x.csv:1: header must be"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_mmlu_csv(std::string(kMmluHeader) + "q,a,b,c,d,4\n", "x.csv"); })
                .find("x.csv:2: answer '4' is not 0, 1, 2 or 3"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_mmlu_csv(std::string(kMmluHeader) + "q,a,b,c,d,C\n", "x.csv"); }).find("x.csv:2"),
            std::string::npos);  // a letter is not this layout
  EXPECT_NE(format_error([] { parse_mmlu_csv(std::string(kMmluHeader) + "ok,a,b,c,d,0\nq,a,b,1\n", "x.csv"); })
                .find("x.csv:3: 4 fields, expected 6"),
            std::string::npos);
}

TEST(Mmlu, LmEvalPromptAndItems) {
  TempDir d;
  std::filesystem::create_directories(d / "dev");
  std::filesystem::create_directories(d / "test");
  write_file(d / "dev" / "college_math_dev.csv", std::string(kMmluHeader) + " What is 1+1? ,1,2,3,4,1\nWhat is 2*3?,5,6,7,8,1\n");
  write_file(d / "test" / "college_math_test.csv", std::string(kMmluHeader) + "What is 3-1?,2,1,0,3,0\nQ2,a,b,c,d,2\nQ3,a,b,c,d,3\n");
  write_file(d / "test" / "zoology_test.csv", std::string(kMmluHeader) + "Z?,a,b,c,d,0\n");
  const auto subjects = load_mmlu(d.path());
  ASSERT_EQ(subjects.size(), 2u);
  EXPECT_EQ(subjects[0].name, "college_math");
  EXPECT_EQ(subjects[1].dev.size(), 0u);

  EXPECT_EQ(mmlu_prefix(subjects[0], 2),
            "The following are multiple choice questions (with answers) about college math.\n\n"
            "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
            "What is 2*3?\nA. 5\nB. 6\nC. 7\nD. 8\nAnswer: B\n\n");
  const auto items = mmlu_items({subjects[0]}, 1, 2);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].context,
            "The following are multiple choice questions (with answers) about college math.\n\n"
            "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
            "What is 3-1?\nA. 2\nB. 1\nC. 0\nD. 3\nAnswer:");
  EXPECT_EQ(items[0].choices, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(items[1].gold, 2);
  EXPECT_EQ(items[1].group, "college_math");
  EXPECT_THROW(mmlu_items(subjects, 1, 0), ConfigError);  // zoology has no dev question
  EXPECT_EQ(mmlu_items(subjects, 0, 0).size(), 4u);
  EXPECT_THROW(load_mmlu(d.path(), {"astrology"}), ConfigError);
  EXPECT_EQ(load_mmlu(d.path(), {"zoology"}).size(), 1u);
  EXPECT_THROW(load_mmlu(d / "dev"), IoError);
}

TEST(Gsm8k, AnswerExtractionAsLmEval) {
  EXPECT_EQ(gsm8k_extract_strict("so 3 + 4 = 7\n#### 1,234"), "1,234");
  EXPECT_EQ(gsm8k_extract_strict("#### -5.5 and #### 6"), "-5.5");
  EXPECT_FALSE(gsm8k_extract_strict("the answer is 7"));
  EXPECT_EQ(gsm8k_extract_flexible("He pays $18 then 3 more, total $21."), "$21.");
  EXPECT_EQ(gsm8k_extract_flexible("7 apples"), "7");
  EXPECT_FALSE(gsm8k_extract_flexible("no numbers here"));
  EXPECT_EQ(gsm8k_normalize("$1,234."), "1234");
  EXPECT_EQ(gsm8k_normalize("Janet sells 9 eggs.\n#### 18"), "18");
  EXPECT_EQ(gsm8k_normalize("#### 5\n#### 6"), "6");
  EXPECT_EQ(gsm8k_normalize("$21."), gsm8k_normalize("21"));
}

TEST(Gsm8k, ExemplarsAreNeverScored) {
  std::string jsonl;
  for (int i = 0; i < 12; ++i) {
    jsonl += "{\"question\": \"Q" + std::to_string(i) + "?\", \"answer\": \"Because.\\n#### " + std::to_string(i * 1000) +
             "\"}\n";
  }
  const auto probs = parse_gsm8k(jsonl, "g.jsonl");
  ASSERT_EQ(probs.size(), 12u);
  const auto items = gsm8k_items(probs, 2, 0);
  ASSERT_EQ(items.size(), 4u);  // problems 8..11
  EXPECT_EQ(items[0].prompt,
            "Question: Q0?\nAnswer: Because.\n#### 0\n\nQuestion: Q1?\nAnswer: Because.\n#### 1000\n\n"
            "Question: Q8?\nAnswer:");
  EXPECT_EQ(items[0].reference, "8000");
  EXPECT_EQ(gsm8k_items(probs, 0, 1).size(), 1u);
  EXPECT_EQ(gsm8k_items(probs, 0, 1)[0].prompt, "Question: Q8?\nAnswer:");
  EXPECT_THROW(gsm8k_items(probs, 9, 0), ConfigError);
  EXPECT_THROW(gsm8k_items(std::vector<Gsm8kProblem>(probs.begin(), probs.begin() + 8), 0, 0), ConfigError);

  EXPECT_NE(format_error([] { parse_gsm8k("{\"question\": \"q\", \"answer\": \"a\"}\n{bad json\n", "g.jsonl"); })
                .find("g.jsonl:2: not valid JSON"),
            std::string::npos);
  EXPECT_NE(format_error([] { parse_gsm8k("{\"question\": \"q\"}\n", "g.jsonl"); }).find("g.jsonl:1: \"answer\" missing"),
            std::string::npos);
}

TEST(McJsonl, SchemaAndErrors) {
  const std::string ok =
      "{\"context\": \"2 + 2 =\", \"choices\": [\"4\", \"5\"], \"answer\": 0, \"id\": \"x\"}\n"
      "\n"
      "{\"context\": \"The sky is\", \"choices\": [\"green\", \"blue\", \"red\"], \"answer\": 1}\n";
  const auto items = parse_mc_jsonl(ok, "m.jsonl");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].choices.size(), 3u);
  EXPECT_EQ(items[1].gold, 1);

  const std::pair<const char*, const char*> bad[] = {
      {"{\"context\": 1, \"choices\": [\"a\", \"b\"], \"answer\": 0}", "m.jsonl:1: \"context\" missing or not a string"},
      {"{\"context\": \"c\", \"choices\": \"ab\", \"answer\": 0}", "m.jsonl:1: \"choices\" missing"},
      {"{\"context\": \"c\", \"choices\": [\"a\"], \"answer\": 0}", "m.jsonl:1: 1 choice(s)"},
      {"{\"context\": \"c\", \"choices\": [\"a\", \"\"], \"answer\": 0}", "m.jsonl:1: empty choice"},
      {"{\"context\": \"c\", \"choices\": [\"a\", 3], \"answer\": 0}", "m.jsonl:1: a choice is not a string"},
      {"{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"answer\": 2}", "m.jsonl:1: answer 2 is outside 0..1"},
      {"{\"context\": \"c\", \"choices\": [\"a\", \"b\"], \"answer\": \"0\"}", "m.jsonl:1: \"answer\" missing or not an integer"},
      {"[1, 2]", "m.jsonl:1: expected a JSON object"},
      {"", "m.jsonl: no items"},
  };
  for (const auto& [text, msg] : bad) EXPECT_NE(format_error([&] { parse_mc_jsonl(text, "m.jsonl"); }).find(msg), std::string::npos) << text;
  EXPECT_NE(format_error([&] { parse_mc_jsonl(ok + "{oops}\n", "m.jsonl"); }).find("m.jsonl:4: not valid JSON"),
            std::string::npos);

  const auto shot = with_shots(items, 1, 0);
  ASSERT_EQ(shot.size(), 1u);
  EXPECT_EQ(shot[0].context, "2 + 2 = 4\n\nThe sky is");
  EXPECT_THROW(with_shots(items, 2, 0), ConfigError);
}

TEST(TaskRegistry, NamesAndDataPaths) {
  for (const char* n : {"perplexity", "hellaswag", "mmlu", "gsm8k", "mc"}) EXPECT_NE(find_task(n), nullptr) << n;
  EXPECT_EQ(find_task("kld"), nullptr);
  EXPECT_EQ(task_names(), "perplexity, hellaswag, mmlu, gsm8k, mc");
  EXPECT_EQ(task_data_path(*find_task("mmlu"), "/x/mmlu"), "/x/mmlu");
  try {
    task_data_path(*find_task("mc"), "");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--task-data mc=PATH"), std::string::npos);
  }
}

}  // namespace
}  // namespace slimlm::eval
