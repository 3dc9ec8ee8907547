#pragma once
// Loads the tensors an architecture's table (weight_names.h) names from a
// checkpoint, validates them, and converts them to f32 once.
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/model_config.h"
#include "slimlm/model/weights.h"

namespace slimlm::model {

// Checks, before converting anything: every tensor the config needs is
// present (FormatError naming the tensor and the folder), has the shape the
// config implies (FormatError with expected and actual shape) and dtype f32,
// f16 or bf16 (UnsupportedError otherwise). Then converts to f32 (f32
// tensors stay zero-copy views of the mapping) and checks every value is
// finite while converting (FormatError naming the tensor, file and first bad
// index). Tensors the table does not know are listed in a warning.
ModelWeights load_weights(const io::Checkpoint& checkpoint, const io::ModelConfig& config);

// The conversion on its own: src (f32, f16 or bf16) to f32 in dst, returning
// the index of the first non-finite value or -1. Split across threads.
int64_t convert_checked(const Tensor& src, float* dst);
// The check alone, for f32 data used in place.
int64_t first_non_finite(const float* x, int64_t n);

}  // namespace slimlm::model
