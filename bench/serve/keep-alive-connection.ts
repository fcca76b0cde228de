import { connect, type Socket } from 'node:net';

export interface HttpAnswer {
  status: number;
  text: string;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One kept-alive HTTP/1.1 connection that sends one request at a time and reads its answer, as a
 * pgbench client keeps one connection and one statement in flight. For the load benchmarks, whose
 * client shares the machine's cores with the server and PostgreSQL: node:http's Agent and
 * ClientRequest/IncomingMessage machinery cost the bench client more CPU per request than the
 * request itself needs (decision 0021, seventh session). Only what a Node or Fastify server answers
 * is read: a status line, headers and a Content-Length body (a chunked answer is refused loudly, as
 * is a connection closed mid-answer); the request line and headers are those node:http sent.
 */
export class KeepAliveConnection {
  private socket: Socket | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { resolve(answer: HttpAnswer): void; reject(error: Error): void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** POSTs a JSON body and resolves with the answer's status and body text. */
  postJson(path: string, body: string): Promise<HttpAnswer> {
    if (this.waiting) return Promise.reject(new Error('one request at a time per connection'));
    const socket = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(
        `POST ${path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Host: ${this.host}:${this.port}\r\nConnection: keep-alive\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.readAnswer();
    });
    const fail = (error: Error): void => {
      if (this.socket === socket) this.socket = null;
      this.chunks = [];
      this.buffered = 0;
      const waiting = this.waiting;
      this.waiting = null;
      waiting?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection before answering')));
    this.socket = socket;
    return socket;
  }

  /** Resolves the request in flight once its whole answer is buffered. */
  private readAnswer(): void {
    if (!this.waiting) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [data];
    const headEnd = data.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = data.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length || /\r\ntransfer-encoding:/i.test(head)) {
      this.failAnswer(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
      return;
    }
    const end = headEnd + HEAD_END.length + Number(length[1]);
    if (data.length < end) return;
    if (data.length > end) {
      this.failAnswer(new Error('bytes after the answer of the request in flight'));
      return;
    }
    this.chunks = [];
    this.buffered = 0;
    const waiting = this.waiting;
    this.waiting = null;
    waiting.resolve({ status, text: data.toString('utf8', headEnd + HEAD_END.length, end) });
  }

  private failAnswer(error: Error): void {
    const waiting = this.waiting;
    this.waiting = null;
    this.close();
    waiting?.reject(error);
  }
}
