#include "slimlm/calib/layer_state.h"

#include "slimlm/model/dense_linear.h"

namespace slimlm::calib {
namespace {

// A non-owning Linear: LayerWeights owns its Linears, the state keeps them.
class BorrowedLinear final : public model::Linear {
 public:
  explicit BorrowedLinear(const model::Linear& inner) : inner_(inner) {}
  int64_t in_features() const override { return inner_.in_features(); }
  int64_t out_features() const override { return inner_.out_features(); }
  void forward(const float* x, int64_t M, float* y) const override { inner_.forward(x, M, y); }
  uint64_t weight_bytes() const override { return inner_.weight_bytes(); }
  uint64_t parameter_count() const override { return inner_.parameter_count(); }
  std::string_view kind() const override { return inner_.kind(); }

 private:
  const model::Linear& inner_;
};

}  // namespace

model::LayerWeights LayerState::view() const {
  model::LayerWeights w;
  w.attn_norm = tensors.attn_norm;
  w.mlp_norm = tensors.mlp_norm;
  auto make = [&](model::Proj p) -> std::unique_ptr<model::Linear> {
    if (const auto& r = runtime[model::index_of(p)]) return std::make_unique<BorrowedLinear>(*r);
    return std::make_unique<model::DenseLinear>(tensors.w(p), tensors.b(p));
  };
  w.q = make(model::Proj::kQ);
  w.k = make(model::Proj::kK);
  w.v = make(model::Proj::kV);
  w.o = make(model::Proj::kO);
  w.gate = make(model::Proj::kGate);
  w.up = make(model::Proj::kUp);
  w.down = make(model::Proj::kDown);
  return w;
}

}  // namespace slimlm::calib
