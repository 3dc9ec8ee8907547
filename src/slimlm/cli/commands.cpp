// The subcommand registry: one line per subcommand.
#include "slimlm/cli/command.h"

#include <array>

namespace slimlm::cli {

RunFn setup_info(CLI::App& app);

std::span<const Command> all_commands() {
  static const std::array kCommands = {
      Command{"info", "Describe a Hugging Face checkpoint folder", &setup_info},
  };
  return kCommands;
}

}  // namespace slimlm::cli
