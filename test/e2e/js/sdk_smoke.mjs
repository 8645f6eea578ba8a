// Drives a real wharf server with the AWS SDK for JavaScript v3, which parses responses more
// strictly than boto3 (timestamps, content types, error shapes). Run by test/e2e/js_sdk_test.py;
// the server, the busybox:latest image and the credentials come from the environment.
import assert from "node:assert/strict";

import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  paginateGetExecutionHistory,
} from "@aws-sdk/client-sfn";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const endpoint = env("WHARF_ENDPOINT");
const region = env("WHARF_REGION");
const credentials = { accessKeyId: env("WHARF_ACCESS_KEY_ID"), secretAccessKey: env("WHARF_SECRET_ACCESS_KEY") };
// One attempt: a retried error would hide what the server answered first.
const config = { endpoint, region, credentials, maxAttempts: 1 };
const ROLE = "arn:aws:iam::123456789012:role/wharf-js-sdk";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(what, fn, done, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(200);
  }
}

async function expectError(promise, names, status) {
  try {
    await promise;
  } catch (err) {
    assert.ok(names.includes(err.name), `expected one of ${names}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status, `${err.name} status`);
    assert.equal(typeof err.message, "string");
    return err;
  }
  assert.fail(`expected ${names.join(" or ")}, the call succeeded`);
}

async function ecsTaskLogsItsOverriddenEnvironment() {
  const ecs = new ECSClient(config);
  const logs = new CloudWatchLogsClient(config);
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: "js-sdk" }));
  assert.equal(cluster.clusterName, "js-sdk");
  assert.equal(cluster.status, "ACTIVE");

  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "js-echo",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        {
          name: "main",
          image: "busybox:latest",
          essential: true,
          command: ["sh", "-c", "echo greeting=$GREETING; exit $EXIT_CODE"],
          environment: [
            { name: "GREETING", value: "from-definition" },
            { name: "EXIT_CODE", value: "0" },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/ecs/js-sdk",
              "awslogs-region": region,
              "awslogs-stream-prefix": "js",
              "awslogs-create-group": "true",
            },
          },
        },
      ],
    }),
  );
  assert.equal(taskDefinition.family, "js-echo");
  assert.equal(taskDefinition.revision, 1);
  assert.ok(taskDefinition.registeredAt instanceof Date, "registeredAt parses as a Date");

  const run = await ecs.send(
    new RunTaskCommand({
      cluster: "js-sdk",
      taskDefinition: "js-echo",
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0123456789abcdef0"] } },
      overrides: {
        containerOverrides: [
          {
            name: "main",
            environment: [
              { name: "GREETING", value: "hello-from-js-sdk" },
              { name: "EXIT_CODE", value: "3" },
            ],
          },
        ],
      },
    }),
  );
  assert.deepEqual(run.failures, []);
  assert.equal(run.tasks.length, 1);
  const taskArn = run.tasks[0].taskArn;
  assert.equal(run.tasks[0].taskDefinitionArn, taskDefinition.taskDefinitionArn);

  const task = await poll(
    "task to stop",
    async () => (await ecs.send(new DescribeTasksCommand({ cluster: "js-sdk", tasks: [taskArn] }))).tasks[0],
    (t) => t.lastStatus === "STOPPED",
  );
  assert.equal(task.desiredStatus, "STOPPED");
  assert.equal(task.stopCode, "EssentialContainerExited");
  assert.equal(task.containers.length, 1);
  assert.equal(task.containers[0].name, "main");
  assert.equal(task.containers[0].exitCode, 3);
  for (const stamp of ["createdAt", "startedAt", "stoppingAt", "stoppedAt"]) {
    assert.ok(task[stamp] instanceof Date, `${stamp} parses as a Date`);
  }
  assert.ok(task.startedAt <= task.stoppedAt, "started before stopped");

  const taskId = taskArn.split("/").pop();
  const { events } = await logs.send(
    new GetLogEventsCommand({ logGroupName: "/ecs/js-sdk", logStreamName: `js/main/${taskId}`, startFromHead: true }),
  );
  assert.deepEqual(
    events.map((e) => e.message),
    ["greeting=hello-from-js-sdk"],
  );
  assert.equal(typeof events[0].timestamp, "number");
}

const WORKFLOW = {
  Comment: "Pass, Choice and an inline Map",
  StartAt: "Tag",
  States: {
    Tag: { Type: "Pass", Result: "js", ResultPath: "$.source", Next: "Route" },
    Route: {
      Type: "Choice",
      Choices: [{ Variable: "$.mode", StringEquals: "each", Next: "Each" }],
      Default: "Skipped",
    },
    Each: {
      Type: "Map",
      ItemsPath: "$.items",
      ItemSelector: { "value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "source.$": "$.source" },
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "Wrap",
        States: {
          Wrap: { Type: "Pass", Parameters: { "item.$": "$.value", "at.$": "$.index", "by.$": "$.source" }, End: true },
        },
      },
      ResultPath: "$.results",
      End: true,
    },
    Skipped: { Type: "Pass", Result: "skipped", End: true },
  },
};

async function standardWorkflowRunsAndPaginatesItsHistory(sfn) {
  const created = await sfn.send(
    new CreateStateMachineCommand({ name: "js-workflow", definition: JSON.stringify(WORKFLOW), roleArn: ROLE }),
  );
  assert.ok(created.creationDate instanceof Date, "creationDate parses as a Date");
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: created.stateMachineArn,
      name: "run-1",
      input: JSON.stringify({ mode: "each", items: ["a", "b", "c"] }),
    }),
  );
  assert.ok(started.executionArn.endsWith(":js-workflow:run-1"), started.executionArn);
  assert.ok(started.startDate instanceof Date, "startDate parses as a Date");

  const done = await poll(
    "execution to finish",
    () => sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn })),
    (d) => d.status !== "RUNNING",
  );
  assert.equal(done.status, "SUCCEEDED", `${done.error}: ${done.cause}`);
  assert.ok(done.stopDate instanceof Date && done.stopDate >= done.startDate, "stopDate after startDate");
  assert.deepEqual(JSON.parse(done.output), {
    mode: "each",
    items: ["a", "b", "c"],
    source: "js",
    results: [
      { item: "a", at: 0, by: "js" },
      { item: "b", at: 1, by: "js" },
      { item: "c", at: 2, by: "js" },
    ],
  });

  const paged = [];
  let pages = 0;
  for await (const page of paginateGetExecutionHistory(
    { client: sfn, pageSize: 3 },
    { executionArn: started.executionArn, maxResults: 3 },
  )) {
    pages += 1;
    assert.ok(page.events.length <= 3, `page of ${page.events.length} events exceeds maxResults`);
    paged.push(...page.events);
  }
  const whole = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
  assert.equal(whole.nextToken, undefined);
  assert.ok(whole.events.length > 6, `only ${whole.events.length} events`);
  assert.equal(pages, Math.ceil(whole.events.length / 3));
  assert.deepEqual(paged, whole.events);
  assert.deepEqual(
    paged.map((e) => e.id),
    paged.map((_, i) => i + 1),
  );
  assert.equal(paged[0].type, "ExecutionStarted");
  assert.equal(paged.at(-1).type, "ExecutionSucceeded");
  assert.ok(paged.every((e) => e.timestamp instanceof Date), "every event timestamp parses as a Date");
  assert.ok(paged.some((e) => e.type === "MapStateStarted"), "history has MapStateStarted");
  assert.deepEqual(JSON.parse(paged.at(-1).executionSucceededEventDetails.output), JSON.parse(done.output));

  const other = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, input: JSON.stringify({ mode: "no" }) }),
  );
  const skipped = await poll(
    "second execution to finish",
    () => sfn.send(new DescribeExecutionCommand({ executionArn: other.executionArn })),
    (d) => d.status !== "RUNNING",
  );
  assert.equal(skipped.status, "SUCCEEDED");
  assert.equal(JSON.parse(skipped.output), "skipped");
  return created.stateMachineArn;
}

async function expressWorkflowRunsSynchronously(sfn) {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: "js-express",
      type: "EXPRESS",
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: "Echo",
        States: { Echo: { Type: "Pass", Parameters: { "got.$": "$.k", tag: "express" }, End: true } },
      }),
    }),
  );
  // The SDK sends StartSyncExecution to a "sync-" host prefix, which a loopback endpoint has no
  // such name for: disableHostPrefix keeps the request on the configured endpoint.
  const sync = new SFNClient({ ...config, disableHostPrefix: true });
  const r = await sync.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ k: "v" }) }));
  assert.equal(r.status, "SUCCEEDED", `${r.error}: ${r.cause}`);
  assert.deepEqual(JSON.parse(r.output), { got: "v", tag: "express" });
  assert.ok(r.startDate instanceof Date && r.stopDate instanceof Date, "dates parse as Dates");
  assert.ok(r.executionArn.includes(":express:js-express:"), r.executionArn);
}

async function errorsHaveTheirAwsShapes(sfn, stateMachineArn) {
  const unknown = stateMachineArn.replace(":stateMachine:", ":execution:") + ":never-started";
  await expectError(sfn.send(new DescribeExecutionCommand({ executionArn: unknown })), ["ExecutionDoesNotExist"], 400);

  const forged = new SFNClient({ ...config, credentials: { ...credentials, secretAccessKey: "not-the-secret" } });
  await expectError(
    forged.send(new ListStateMachinesCommand({})),
    ["UnrecognizedClientException", "InvalidSignatureException"],
    403,
  );
}

const began = Date.now();
const sfn = new SFNClient(config);
await ecsTaskLogsItsOverriddenEnvironment();
console.log("ecs + logs ok");
const machine = await standardWorkflowRunsAndPaginatesItsHistory(sfn);
console.log("sfn standard ok");
await expressWorkflowRunsSynchronously(sfn);
console.log("sfn express sync ok");
await errorsHaveTheirAwsShapes(sfn, machine);
console.log(`errors ok; all checks passed in ${Date.now() - began} ms`);
