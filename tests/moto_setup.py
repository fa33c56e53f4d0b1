"""Create the IAM world the integration tests renew against, on a running moto server.

Usage: python3 tests/moto_setup.py http://127.0.0.1:PORT
Prints JSON: the user's long-term keys, MFA serial, account id and role ARNs.
"""
import json
import sys

import boto3

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}],
}


def main():
    url = sys.argv[1]
    kwargs = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    iam = boto3.client("iam", **kwargs)
    sts = boto3.client("sts", **kwargs)
    iam.create_user(UserName="ana")
    key = iam.create_access_key(UserName="ana")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="ana")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="ana", SerialNumber=device["SerialNumber"], AuthenticationCode1="123456", AuthenticationCode2="654321"
    )
    iam.create_user(UserName="bob")
    bob = iam.create_access_key(UserName="bob")["AccessKey"]
    roles = {}
    for name in ["Admin", "Hop", "Target"] + [f"Bulk{i:02d}" for i in range(20)]:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
        roles[name] = role["Arn"]
    print(
        json.dumps(
            {
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
                "mfa_serial": device["SerialNumber"],
                "bob_access_key_id": bob["AccessKeyId"],
                "bob_secret_access_key": bob["SecretAccessKey"],
                "account": sts.get_caller_identity()["Account"],
                "roles": roles,
            }
        )
    )


if __name__ == "__main__":
    main()
