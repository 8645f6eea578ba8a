// wharf: the server binary and its command-line tools.
#include <malloc.h>

#include "server/cli.h"

int main(int argc, char** argv) {
  // Responses are built and freed at a high rate on many threads; glibc's default is to hand
  // freed arena memory back with madvise each time, whose TLB shootdowns cost more than the work.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_MMAP_THRESHOLD, 16 << 20);
  return wharf::server::runCli(argc, argv);
}
