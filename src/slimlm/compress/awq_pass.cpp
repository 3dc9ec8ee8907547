#include "slimlm/compress/pass_registry.h"
#include "slimlm/core/error.h"

namespace slimlm::compress {
std::unique_ptr<calib::LayerPass> make_awq_pass(const PassConfig&) { throw UnsupportedError("awq: not yet"); }
}  // namespace slimlm::compress
