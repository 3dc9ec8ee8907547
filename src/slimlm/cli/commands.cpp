// The subcommand registry: one line per subcommand.
#include "slimlm/cli/command.h"

#include <array>

namespace slimlm::cli {

RunFn setup_info(CLI::App& app);
RunFn setup_tokenize(CLI::App& app);
RunFn setup_detokenize(CLI::App& app);
RunFn setup_eval(CLI::App& app);
RunFn setup_generate(CLI::App& app);
RunFn setup_bench(CLI::App& app);
RunFn setup_compare(CLI::App& app);
RunFn setup_device_info(CLI::App& app);
RunFn setup_quantize(CLI::App& app);
RunFn setup_prune(CLI::App& app);
RunFn setup_init_config(CLI::App& app);
RunFn setup_validate_config(CLI::App& app);
RunFn setup_runs(CLI::App& app);
RunFn setup_report(CLI::App& app);
RunFn setup_optimize(CLI::App& app);

std::span<const Command> all_commands() {
  static const std::array kCommands = {
      Command{"info", "Describe a Hugging Face checkpoint folder", &setup_info},
      Command{"tokenize", "Token ids of a text under a model's tokenizer", &setup_tokenize},
      Command{"detokenize", "Text of a list of token ids", &setup_detokenize},
      Command{"eval", "Perplexity, KL divergence and tasks (HellaSwag, MMLU, GSM8K, JSONL multiple choice)", &setup_eval},
      Command{"generate", "Stream a continuation of a prompt", &setup_generate},
      Command{"bench", "Prompt-processing and generation speed, like llama-bench", &setup_bench},
      Command{"compare", "One table of size, quality, speed, memory and energy: BASE vs other models", &setup_compare},
      Command{"device-info", "CPU, ISA features, memory, BLAS, GPUs and energy counters of this machine", &setup_device_info},
      Command{"quantize", "Quantize a model's Linear weights into a compressed-tensors checkpoint", &setup_quantize},
      Command{"prune", "Prune a model: magnitude, Wanda, SparseGPT (unstructured, N:M), heads, channels, layers", &setup_prune},
      Command{"init-config", "Write a commented example study config (default, baseline, search)", &setup_init_config},
      Command{"validate-config", "Check a study config: keys, types, paths, metrics, pipelines", &setup_validate_config},
      Command{"runs", "Runs in an experiment registry: list, show, diff, export", &setup_runs},
      Command{"optimize", "Search compression recipes for the Pareto frontier of a study config", &setup_optimize},
      Command{"report", "A study as a self-contained HTML page, Markdown, CSV and JSON", &setup_report},
  };
  return kCommands;
}

}  // namespace slimlm::cli
