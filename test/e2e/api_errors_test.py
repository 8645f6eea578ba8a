"""Bad input over real HTTP: signatures, malformed JSON, unknown operations, validation errors."""
import json
import unittest
import urllib.request

import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import ACCESS_KEY, REGION, SECRET_KEY, WharfServer


class ApiErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = WharfServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def raw(self, target, body, secret=SECRET_KEY, key=ACCESS_KEY):
        req = AWSRequest(method="POST", url=self.server.endpoint + "/", data=body, headers={
            "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(key, secret), "ecs", REGION).add_auth(req)
        http = urllib.request.Request(req.url, data=body, headers=dict(req.headers), method="POST")
        try:
            with urllib.request.urlopen(http) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    def test_bad_signature(self):
        status, body = self.raw("AmazonEC2ContainerServiceV20141113.ListClusters", b"{}", secret="wrong")
        self.assertEqual((status, body["__type"].split("#")[-1]), (403, "InvalidSignatureException"))

    def test_unknown_key(self):
        status, body = self.raw("AmazonEC2ContainerServiceV20141113.ListClusters", b"{}", key="AKIAUNKNOWN000000000")
        self.assertEqual((status, body["__type"].split("#")[-1]), (403, "UnrecognizedClientException"))

    def test_malformed_json(self):
        status, body = self.raw("AmazonEC2ContainerServiceV20141113.CreateCluster", b"{not json")
        self.assertEqual((status, body["__type"].split("#")[-1]), (400, "SerializationException"))

    def test_unknown_operation(self):
        status, body = self.raw("AmazonEC2ContainerServiceV20141113.LaunchRockets", b"{}")
        self.assertEqual((status, body["__type"].split("#")[-1]), (400, "UnknownOperationException"))

    def test_unknown_cluster_and_nothing_written(self):
        ecs = self.server.client("ecs")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            ecs.run_task(cluster="nope", taskDefinition="missing")
        self.assertIn(ctx.exception.response["Error"]["Code"], ("ClusterNotFoundException", "ClientException",
                                                                 "InvalidParameterException"))
        self.assertEqual(ecs.list_clusters()["clusterArns"], [])

    def test_wrong_type(self):
        status, body = self.raw("AmazonEC2ContainerServiceV20141113.CreateCluster", b'{"clusterName": 5}')
        self.assertEqual(status, 400)

    def test_missing_log_group(self):
        logs = self.server.client("logs")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            logs.get_log_events(logGroupName="/none", logStreamName="s")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main(verbosity=2)
