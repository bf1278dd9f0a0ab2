#!/usr/bin/env python3
"""SQS on the local stack (moto) for the sealer tests, through boto3 (endpoint from
AWS_ENDPOINT_URL_SQS). JSON in, JSON out:

  sqs.py create NAME...            {"NAME": url, ...}
  sqs.py send URL < bodies.json    sends each body of the JSON array
  sqs.py drain URL                 every message now visible (deleted): [{"body", "attributes"}]
"""
import json
import sys

import boto3


def main():
    sqs = boto3.client('sqs')
    cmd = sys.argv[1]
    if cmd == 'create':
        print(json.dumps({n: sqs.create_queue(QueueName=n)['QueueUrl'] for n in sys.argv[2:]}))
    elif cmd == 'send':
        for body in json.load(sys.stdin):
            sqs.send_message(QueueUrl=sys.argv[2], MessageBody=body)
        print('{}')
    elif cmd == 'drain':
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=sys.argv[2], MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                      MessageAttributeNames=['All'], VisibilityTimeout=30)
            msgs = got.get('Messages', [])
            if not msgs:
                break
            for m in msgs:
                attrs = {k: v.get('StringValue') for k, v in m.get('MessageAttributes', {}).items()}
                out.append({'body': m['Body'], 'attributes': attrs})
                sqs.delete_message(QueueUrl=sys.argv[2], ReceiptHandle=m['ReceiptHandle'])
        print(json.dumps(out))
    else:
        sys.exit(f'unknown command {cmd}')


if __name__ == '__main__':
    main()
