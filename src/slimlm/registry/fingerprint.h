#pragma once
// What machine a run ran on, as one JSON object: CPU model, logical cores, the
// ISA path the kernels take, total memory, OS, and NVIDIA GPU models when the
// driver lists them. Cheap (a few /proc reads); runs are only comparable on
// like hardware, so every run records it.
#include <string>

namespace slimlm::registry {

// {"cpu":"...","logical_cores":N,"isa":"avx512","memory_bytes":N,"os":"Linux 6.1 x86_64","gpus":[...]}
std::string hardware_fingerprint_json();

}  // namespace slimlm::registry
