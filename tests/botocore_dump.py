"""Print botocore's view of AWS shared-file fixtures as JSON (the differential test's judge).

Usage: python3 tests/botocore_dump.py DIR...   (each DIR may hold `config` and `credentials`)
Prints one JSON object: {DIR basename: {"full_config": ...} or {"error": "ConfigParseError"}}.
"""
import json
import os
import sys

import botocore.session
from botocore.exceptions import ConfigParseError


def dump(directory):
    os.environ["AWS_CONFIG_FILE"] = os.path.join(directory, "config")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(directory, "credentials")
    try:
        return {"full_config": botocore.session.Session().full_config}
    except ConfigParseError:
        return {"error": "ConfigParseError"}


def main():
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        os.environ.pop(var, None)
    result = {os.path.basename(d.rstrip("/")): dump(d) for d in sys.argv[1:]}
    json.dump(result, sys.stdout, sort_keys=True, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
