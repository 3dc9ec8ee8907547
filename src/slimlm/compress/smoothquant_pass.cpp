#include "slimlm/compress/pass_registry.h"
#include "slimlm/core/error.h"

namespace slimlm::compress {
std::unique_ptr<calib::LayerPass> make_smoothquant_pass(const PassConfig&) { throw UnsupportedError("smoothquant: not yet"); }
}  // namespace slimlm::compress
