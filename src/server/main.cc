// wharf: the server binary and its command-line tools.
#include "server/cli.h"

int main(int argc, char** argv) { return wharf::server::runCli(argc, argv); }
