"""A bring-your-own agent in another process, speaking the eval JSON-lines protocol: it asks
for the readiness breakdown and answers with the summary line that opens the tool's text."""

import json
import sys


def main() -> None:
    for line in sys.stdin:
        message = json.loads(line)
        if message["type"] == "user":
            call = {"type": "tool_call", "name": "get_readiness_breakdown", "arguments": {}}
            sys.stdout.write(json.dumps(call) + "\n")
            sys.stdout.flush()
        elif message["type"] == "tool_result":
            summary = message["content"].split("\n", 1)[0]
            sys.stdout.write(json.dumps({"type": "answer", "text": summary}) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
