import type { AttemptResult } from "../domain/webhooks/deliveries";
import { OutboundHttp, type OutboundOptions } from "./outbound-http";
import { signedHeaders } from "./signing";

/** One attempt to send: the request, and the secrets that sign it when it is sent. */
export interface SendRequest {
  url: string;
  /** The current secret, and the one rotated out while its overlap lasts. */
  secrets: string[];
  /** The Standard Webhooks `webhook-id`. */
  messageId: string;
  /** The JSON body, sent and signed exactly as given. */
  payload: string;
}

/** Sends attempts; never rejects (every failure is an AttemptResult the delivery log shows). */
export interface AttemptSender {
  send(request: SendRequest): Promise<AttemptResult>;
  /** Waits for the attempts in flight, then lets go of connections (and threads). */
  close(): Promise<void>;
}

/**
 * Signs and POSTs on the calling thread. The sender worker (sender-worker.ts) runs one of these;
 * the dispatcher talks to the worker.
 */
export class InThreadSender implements AttemptSender {
  private readonly http: OutboundHttp;

  constructor(options: OutboundOptions) {
    this.http = new OutboundHttp(options);
  }

  async send(request: SendRequest): Promise<AttemptResult> {
    let headers: Record<string, string>;
    try {
      headers = signedHeaders(request.secrets, request.messageId, new Date(), request.payload);
    } catch (error) {
      // A secret that is no Standard Webhooks secret: nothing is sent.
      return { status: null, error: `not sent: ${(error as Error).message}`, durationMs: 0, body: "" };
    }
    return this.http.post(request.url, headers, request.payload);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
