#include "server/cli.h"

#include <CLI/CLI.hpp>

namespace wharf::server {

int runCli(int argc, char** argv) {
  CLI::App app{"Wharf: AWS-compatible containers and workflows"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

}  // namespace wharf::server
