// The AWS SDK for JavaScript v3 as a judge: resolves credentials the way every Node program
// does (fromNodeProviderChain: environment, shared files, credential_process, the container
// endpoint), calls sts:GetCallerIdentity, and prints one JSON line: the key it used, the
// account the credentials carry, the ARN STS answered. Nothing secret is printed.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

const provider = fromNodeProviderChain();
const calls = Number(process.argv[2] || "1");
try {
  const creds = await provider();
  const client = new STSClient({ credentials: provider, region: process.env.AWS_REGION || "us-east-1" });
  let arn = null;
  for (let i = 0; i < calls; i++) {
    arn = (await client.send(new GetCallerIdentityCommand({}))).Arn;
  }
  console.log(JSON.stringify({ key: creds.accessKeyId, account: creds.accountId ?? null, arn }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.message || e) }));
  process.exit(4);
}
