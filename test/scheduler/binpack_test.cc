#include "scheduler/binpack.h"

#include <gtest/gtest.h>

namespace wharf::scheduler {
namespace {

TEST(Binpack, PlacesUntilMemoryRunsOut) {
  std::vector<NodeSnapshot> nodes{{"n1", {4096, 1024}, {0, 0}}};
  auto plan = placeBinpack(nodes, {{256, 512}, {256, 512}, {256, 512}});
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].nodeId, "n1");
  EXPECT_EQ(plan[1].nodeId, "n1");
  EXPECT_FALSE(plan[2].nodeId);
  EXPECT_EQ(plan[2].failureReason, "RESOURCE:MEMORY");
  EXPECT_EQ(plan[2].failureNodeId, "n1");
}

TEST(Binpack, ReportsCpuWhenOnlyCpuIsShort) {
  std::vector<NodeSnapshot> nodes{{"n1", {1024, 8192}, {768, 0}}};
  auto plan = placeBinpack(nodes, {{512, 512}});
  EXPECT_FALSE(plan[0].nodeId);
  EXPECT_EQ(plan[0].failureReason, "RESOURCE:CPU");
}

TEST(Binpack, PrefersTheFullestNodeThatFits) {
  std::vector<NodeSnapshot> nodes{{"roomy", {4096, 8192}, {0, 0}}, {"tight", {4096, 8192}, {0, 7000}}};
  auto plan = placeBinpack(nodes, {{256, 1024}, {256, 1024}});
  EXPECT_EQ(plan[0].nodeId, "tight");
  EXPECT_EQ(plan[1].nodeId, "roomy");  // tight is now full
}

TEST(Binpack, ExistingReservationsCount) {
  std::vector<NodeSnapshot> nodes{{"n1", {2048, 2048}, {0, 2048}}};
  auto plan = placeBinpack(nodes, {{0, 1}});
  EXPECT_EQ(plan[0].failureReason, "RESOURCE:MEMORY");
}

TEST(Binpack, NoNodesFails) {
  auto plan = placeBinpack({}, {{1, 1}});
  EXPECT_FALSE(plan[0].nodeId);
}

}  // namespace
}  // namespace wharf::scheduler
