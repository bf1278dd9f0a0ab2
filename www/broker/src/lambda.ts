/**
 * The broker as an AWS Lambda function (deploy/template.yaml): the same handlers as the HTTP server
 * (server.ts createBroker), invoked with the events of a Lambda function URL or an API Gateway HTTP
 * API, payload format 2.0. serverless-http turns an event into a Node request (method, rawPath and
 * rawQueryString, headers, body, base64-decoded when isBase64Encoded; requestContext.http.sourceIp
 * as the source address the limits and the audit use) and the response into the 2.0 answer
 * (statusCode, headers, body). Every answer is JSON text, a granted unwrap's too: its data key is
 * sealed to the page's key (www/lib/unwrap-protocol.ts), so the function's answer string carries
 * no usable key.
 *
 * The configuration is read from the environment once, at the first event, and the broker kept
 * for the environment's later events.
 */
import serverless from 'serverless-http';
import { type BrokerConfig, loadConfig } from './config.js';
import { createBroker } from './server.js';

type Handler = (event: object, context: object) => Promise<object>;

/** A Lambda handler for the broker with this configuration. */
export function lambdaHandler(config: BrokerConfig): Handler {
  const { listener } = createBroker(config);
  return serverless(listener) as Handler;
}

let broker: Handler | undefined;

/** The function's handler (deploy/template.yaml: www/broker/src/lambda.handler). */
export const handler: Handler = (event, context) => {
  broker ??= lambdaHandler(loadConfig());
  return broker(event, context);
};
