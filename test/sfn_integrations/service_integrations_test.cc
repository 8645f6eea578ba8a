#include "sfn/integrations/service_integrations.h"

#include <gtest/gtest.h>

#include "common/ids.h"
#include "sfn/integrations/resource_name.h"
#include "sfn_integrations/fake_services.h"

namespace wharf::sfn {
namespace {

TEST(ResourceNameTest, SplitsServiceActionAndPattern) {
  auto r = ResourceName::parse("arn:aws:states:::states:startExecution.sync:2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->service, "states");
  EXPECT_EQ(r->action, "startExecution");
  EXPECT_EQ(r->pattern, "sync:2");
  r = ResourceName::parse("arn:aws:states:::aws-sdk:cloudwatchlogs:putLogEvents.waitForTaskToken");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->service, "aws-sdk:cloudwatchlogs");
  EXPECT_EQ(r->action, "putLogEvents");
  EXPECT_EQ(r->pattern, "waitForTaskToken");
  r = ResourceName::parse("arn:aws:states:::ecs:runTask");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pattern, "");
  EXPECT_FALSE(ResourceName::parse("arn:aws:states:us-east-1:123456789012:activity:work"));
  EXPECT_FALSE(ResourceName::parse("arn:aws:lambda:us-east-1:123456789012:function:f"));
  EXPECT_FALSE(ResourceName::parse("arn:aws:states:::aws-sdk:ecs"));
}

TEST(ServiceIntegrationsTest, EveryResourceHasExactlyOneIntegration) {
  auto ids = makeSequentialIdGenerator();
  testing::FakeServices fake;
  ServiceIntegrations integrations(fake.router, *ids);
  for (const char* resource :
       {"arn:aws:states:::ecs:runTask", "arn:aws:states:::ecs:runTask.sync",
        "arn:aws:states:::ecs:runTask.waitForTaskToken", "arn:aws:states:::states:startExecution",
        "arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::aws-sdk:ecs:describeTasks",
        "arn:aws:states:::aws-sdk:sfn:startExecution", "arn:aws:states:::aws-sdk:cloudwatchlogs:createLogGroup"}) {
    int handled = 0;
    for (Integration* i : integrations.list()) handled += i->handles(resource) ? 1 : 0;
    EXPECT_EQ(handled, 1) << resource;
  }
  for (Integration* i : integrations.list()) EXPECT_FALSE(i->handles("arn:aws:states:::lambda:invoke"));
  integrations.start();  // the poll thread starts and stops cleanly with nothing to follow
  integrations.stop();
}

}  // namespace
}  // namespace wharf::sfn
