#pragma once
// HellaSwag from llama.cpp's text file (klosax/hellaswag_text_data,
// hellaswag_val_full.txt[.bz2]): 6 lines per task — "activity_label: ctx",
// the gold ending (0-3), then the 4 endings.
//
// That file was built with its own clean-up (the WikiHow "[header]",
// "[step]", "[substeps]" tags dropped, " [title]" turned into ". "), close to
// lm-eval's but not equal: lm-eval also removes every remaining "[...]"
// (e.g. "[www.kiddio.org]", 18 lines) and capitalises ctx_b, the fragment the
// model continues ("... on a roof. he" -> "... on a roof. He"). Both are
// applied here: the brackets exactly, ctx_b by its position — for ActivityNet
// items ctx_b is the lower-case fragment after the context's last ". " (3,243
// of the 10,042 items, exactly the ActivityNet share of the validation
// split); WikiHow items have an empty ctx_b. Capitalisation follows Python's
// str.capitalize() on that fragment.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::eval {

// lm-eval's hellaswag preprocess(): strip, " [title]" -> ". ", drop
// "[...]" (non-greedy), "  " -> " ".
std::string hellaswag_preprocess(std::string_view text);

// The query lm-eval builds from a llama.cpp context line (see above).
std::string hellaswag_query(std::string_view context_line);

// Parses the text (already decompressed); FormatError naming `source` and
// the line for a short final task, a gold label outside 0-3 or an empty
// line where a context or an ending belongs.
std::vector<McItem> parse_hellaswag(std::string_view text, const std::string& source);

// read_task_file + parse_hellaswag.
std::vector<McItem> load_hellaswag(const std::filesystem::path& path);

}  // namespace slimlm::eval
