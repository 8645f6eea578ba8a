#include "server/cli.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "agent/images/image_store.h"
#include "api/credentials.h"
#include "common/time_format.h"
#include "server/server.h"

namespace wharf::server {
namespace {

constexpr int kSweepIntervalSeconds = 60;

int reportError(const Error& e) {
  std::cerr << "wharf: " << e.message << "\n";
  return 1;
}

bool splitListen(const std::string& listen, ServerConfig& config) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  config.host = listen.substr(0, colon);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) return false;
    config.port = static_cast<uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

// Runs until SIGINT/SIGTERM, doing housekeeping every minute.
int runServer(const ServerConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked before any thread starts, so every thread inherits the mask and sigtimedwait gets them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  auto server = Server::start(config);
  if (!server) return reportError(server.error());
  std::printf("wharf listening on %s (data in %s)\n", (*server)->address().c_str(), config.dataDir.c_str());
  std::fflush(stdout);
  timespec interval{kSweepIntervalSeconds, 0};
  while (sigtimedwait(&signals, nullptr, &interval) < 0) (*server)->sweep();
  return 0;
}

int printCredentials(const std::string& dataDir, const std::string& region) {
  auto c = api::loadRootCredential(dataDir);
  if (!c) return reportError(c.error());
  std::printf("export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_DEFAULT_REGION=%s\n",
              c->accessKeyId.c_str(), c->secretAccessKey.c_str(), region.c_str());
  return 0;
}

int importImage(const std::string& dataDir, const std::string& name, const std::string& file) {
  auto images = agent::openImageStore(dataDir);
  if (!images) return reportError(images.error());
  auto image = (*images)->importArchive(name, file);
  if (!image) return reportError(image.error());
  std::printf("%s %s\n", image->name.c_str(), image->id.c_str());
  return 0;
}

int listImages(const std::string& dataDir) {
  auto images = agent::openImageStore(dataDir);
  if (!images) return reportError(images.error());
  auto list = (*images)->list();
  if (!list) return reportError(list.error());
  std::printf("%-40s %-20s %12s %s\n", "NAME", "ID", "SIZE", "CREATED");
  for (const auto& image : *list) {
    std::string id = image.id.substr(image.id.find(':') + 1, 12);
    std::printf("%-40s %-20s %12lld %s\n", image.name.c_str(), id.c_str(), static_cast<long long>(image.sizeBytes),
                toIso8601(image.createdAt).c_str());
  }
  return 0;
}

}  // namespace

int runCli(int argc, char** argv) {
  CLI::App app{"Wharf: AWS-compatible containers and workflows"};
  app.require_subcommand(1);

  ServerConfig config;
  std::string listen = "127.0.0.1:4566";
  auto* server = app.add_subcommand("server", "Run the API server and the local agent");
  server->add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks a free port)");
  server->add_option("--data-dir", config.dataDir, "Where state, images and logs are kept");
  server->add_option("--region", config.region, "Region of ARNs and of the credential scope");
  server->add_option("--account-id", config.accountId, "Account id of the root credential created on first start");
  server->add_option("--launcher", config.launcher, "oci (containers under an OCI runtime) or process")
      ->check(CLI::IsMember({"oci", "process"}));
  server->add_option("--runtime", config.runtime, "OCI runtime: crun, runc, a path, or auto (crun when installed)");
  server->add_option("--subnet", config.subnet, "Private range awsvpc task addresses come from");
  server->add_option("--bridge", config.bridge, "Bridge awsvpc tasks are attached to");
  server->add_option("--io-threads", config.ioThreads, "HTTP I/O threads")->check(CLI::Range(1, 64));
  server->add_option("--worker-threads", config.workerThreads, "API handler threads")->check(CLI::Range(1, 1024));

  std::string data_dir = ".wharf";
  std::string region = "us-east-1";
  auto* credentials = app.add_subcommand("credentials", "Print export lines for the root credential");
  credentials->add_option("--data-dir", data_dir, "The server's data directory");
  credentials->add_option("--region", region, "Region to print as AWS_DEFAULT_REGION");

  auto* image = app.add_subcommand("image", "Manage the local image store");
  image->require_subcommand(1);
  std::string image_name, image_file;
  auto* import = image->add_subcommand("import", "Import a rootfs tarball, docker save or OCI layout archive");
  import->add_option("--data-dir", data_dir, "The server's data directory");
  import->add_option("name", image_name, "NAME[:TAG]")->required();
  import->add_option("file", image_file, "Archive to import")->required()->check(CLI::ExistingFile);
  auto* ls = image->add_subcommand("ls", "List images");
  ls->add_option("--data-dir", data_dir, "The server's data directory");

  CLI11_PARSE(app, argc, argv);
  if (*server) {
    if (!splitListen(listen, config)) return reportError({ErrorCode::kInvalidArgument, "", "bad --listen " + listen});
    return runServer(config);
  }
  if (*credentials) return printCredentials(data_dir, region);
  if (*import) return importImage(data_dir, image_name, image_file);
  if (*ls) return listImages(data_dir);
  return 1;
}

}  // namespace wharf::server
