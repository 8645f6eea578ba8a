// Command-line entry: `wharf server`, `wharf credentials`, `wharf image import|ls`.
#pragma once

namespace wharf::server {
int runCli(int argc, char** argv);
}
