/** A RabbitMQ message body as a MonoRail item's data: JSON when it is JSON, else text. */
export function mqData(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return jsonOrText(body.toString("utf8"));
  if (typeof body === "string") return jsonOrText(body);
  // rabbitmq-client parsed it already (content type application/json).
  return body ?? null;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
