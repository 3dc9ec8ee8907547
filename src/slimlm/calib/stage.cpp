#include "slimlm/calib/stage.h"

namespace slimlm::calib {
namespace {

using model::Proj;

constexpr std::array<Proj, 3> kAttnIn = {Proj::kQ, Proj::kK, Proj::kV};
constexpr std::array<Proj, 1> kAttnOut = {Proj::kO};
constexpr std::array<Proj, 2> kMlpIn = {Proj::kGate, Proj::kUp};
constexpr std::array<Proj, 1> kMlpOut = {Proj::kDown};

}  // namespace

std::string_view to_string(Stage s) {
  switch (s) {
    case Stage::kAttnIn: return "attn_in";
    case Stage::kAttnOut: return "attn_out";
    case Stage::kMlpIn: return "mlp_in";
    case Stage::kMlpOut: return "mlp_out";
  }
  return "?";
}

std::span<const Proj> stage_projs(Stage s) {
  switch (s) {
    case Stage::kAttnIn: return kAttnIn;
    case Stage::kAttnOut: return kAttnOut;
    case Stage::kMlpIn: return kMlpIn;
    case Stage::kMlpOut: return kMlpOut;
  }
  return {};
}

Stage stage_of(Proj p) {
  switch (p) {
    case Proj::kQ:
    case Proj::kK:
    case Proj::kV: return Stage::kAttnIn;
    case Proj::kO: return Stage::kAttnOut;
    case Proj::kGate:
    case Proj::kUp: return Stage::kMlpIn;
    case Proj::kDown: return Stage::kMlpOut;
  }
  return Stage::kAttnIn;
}

int64_t stage_features(const io::ModelConfig& c, Stage s) {
  switch (s) {
    case Stage::kAttnIn:
    case Stage::kMlpIn: return c.hidden_size;
    case Stage::kAttnOut: return c.q_dim();
    case Stage::kMlpOut: return c.intermediate_size;
  }
  return 0;
}

}  // namespace slimlm::calib
