// TemplateProcessing: the "single" template, e.g. [<s>, $A], says which
// special tokens surround a sequence when add_special_tokens is on.
#include <map>
#include <memory>
#include <optional>

#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class TemplateProcessing final : public PostProcessor {
 public:
  // Each step is the sequence itself (empty optional) or fixed special ids.
  explicit TemplateProcessing(std::vector<std::optional<std::vector<int32_t>>> steps)
      : steps_(std::move(steps)) {}
  void process(std::vector<int32_t>& ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& step : steps_) {
      if (step) out.insert(out.end(), step->begin(), step->end());
      else out.insert(out.end(), ids.begin(), ids.end());
    }
    ids = std::move(out);
  }

 private:
  std::vector<std::optional<std::vector<int32_t>>> steps_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_template_processing(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "post_processor TemplateProcessing";
  std::map<std::string, std::vector<int32_t>, std::less<>> specials;
  if (auto it = j.find("special_tokens"); it != j.end() && it->is_object()) {
    for (const auto& [name, tok] : it->items()) {
      const Json& ids = ctx.field(tok, "ids", kWhere);
      if (!ids.is_array()) ctx.fail(kWhere, "special token '" + name + "': 'ids' must be a list");
      std::vector<int32_t> v;
      for (const Json& id : ids) {
        if (!id.is_number_integer()) ctx.fail(kWhere, "special token '" + name + "': ids must be integers");
        v.push_back(id.get<int32_t>());
      }
      specials[name] = std::move(v);
    }
  }
  const Json& single = ctx.field(j, "single", kWhere);
  if (!single.is_array()) ctx.fail(kWhere, "'single' must be a list");
  std::vector<std::optional<std::vector<int32_t>>> steps;
  for (const Json& piece : single) {
    if (auto s = piece.find("Sequence"); s != piece.end()) {
      steps.emplace_back(std::nullopt);
    } else if (auto t = piece.find("SpecialToken"); t != piece.end()) {
      const std::string id = ctx.string_field(*t, "id", kWhere);
      auto it = specials.find(id);
      if (it == specials.end()) ctx.fail(kWhere, "template names special token '" + id + "' missing from special_tokens");
      steps.emplace_back(it->second);
    } else {
      ctx.fail(kWhere, "template piece must be Sequence or SpecialToken: " + piece.dump());
    }
  }
  return std::make_unique<TemplateProcessing>(std::move(steps));
}

}  // namespace slimlm::tokenizer
