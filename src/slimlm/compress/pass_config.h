#pragma once
// Everything a pass may be configured with; each pass reads its own part.
#include "slimlm/compress/awq.h"
#include "slimlm/compress/gptq.h"
#include "slimlm/compress/quant_plan.h"
#include "slimlm/compress/smoothquant.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::compress {

struct PassConfig {
  QuantPlan plan{quant::QuantFormat::kInt4G128};
  GptqOptions gptq;
  AwqOptions awq;
  SmoothQuantOptions smoothquant;
  quant::RtnOptions rtn;  // the clip search of plain RTN (and AWQ's final RTN)
};

}  // namespace slimlm::compress
