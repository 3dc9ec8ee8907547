#pragma once
// The decoder stack shared by Model::score and Model::decode (internal to
// model/). Both pack their tokens into N rows of activations; they differ in
// where attention finds keys and values: score() lets each batch row's
// tokens attend among themselves, decode() appends the rows to a KvCache
// and attends over it.
#include <cstdint>
#include <functional>
#include <span>

#include "slimlm/model/kv_cache.h"
#include "slimlm/model/workspace.h"

namespace slimlm::model {

class Model;

// A run of packed rows that are consecutive tokens of one sequence, the
// first at position 0 (score) or at cache->size() (decode).
struct Segment {
  int64_t row = 0;
  int64_t len = 0;
};

struct Pass {
  int64_t n = 0;                      // packed rows
  const int32_t* rope_rows = nullptr; // per row: its row of ws.cos / ws.sin
  std::span<const Segment> segments;  // score
  KvCache* cache = nullptr;           // decode: one segment, appended at cache->size()
  // Called with k and the rows [n, C] before layer k (k = 0: the embeddings).
  const std::function<void(int64_t, const float*)>* capture = nullptr;
};

// ws.x [n, C] = embeddings of `ids`; throws Error for ids outside [0, V).
void embed_tokens(const Model& m, std::span<const int32_t> ids, Workspace& ws);

// Sizes ws for n rows attending over at most n_kv keys (decode passes the
// cache's capacity, so that no step of a decode loop reallocates).
void reserve_workspace(const Model& m, Workspace& ws, int64_t n, int64_t n_kv);

// Runs every layer over ws.x in place. ws.cos / ws.sin hold the rope tables
// the rows point at. Does not apply the final norm.
void run_layers(const Model& m, Workspace& ws, const Pass& p);

// out[rows, V] = lm_head(final_norm(x[rows])), x rows of C floats; xn is
// scratch of rows × C.
void final_logits(const Model& m, const float* x, float* xn, int64_t rows, float* out);

}  // namespace slimlm::model
