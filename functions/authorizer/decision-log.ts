/**
 * One JSON line per decision that is both the structured log line and a CloudWatch Embedded Metric
 * Format (EMF) document: CloudWatch extracts the `Decision` count per `service`, `outcome` and `reason`
 * from the same line. Written straight to stdout, as Powertools does, in a few microseconds: the
 * Powertools Logger and Metrics pair measured 110–130 µs per decision, more than the signature check
 * itself (bench/RESULTS.md). Field names follow Powertools' (`level`, `message`, `service`,
 * `timestamp`, `function_request_id`, `cold_start`) so existing log queries keep working.
 */

/** What a decision line carries. Only verified or derived values: never the token or its claims. */
export interface DecisionFields {
  readonly outcome: 'allow' | 'unauthorized' | 'forbidden' | 'internal';
  readonly reason: string;
  readonly eventKind?: string | undefined;
  readonly stage?: string | undefined;
  readonly route?: string | undefined;
  readonly kid?: string | undefined;
  readonly apiRequestId?: string | undefined;
  /** Only once the token verified. */
  readonly sub?: string | undefined;
  /** A prefix of the replay key (a SHA-256), never the raw `jti`. */
  readonly jtiHash?: string | undefined;
  /** `Bearer` or `DPoP`, once the authorization value was read. */
  readonly tokenType?: string | undefined;
  /** The DPoP key's thumbprint (public), once a proof passed; never the proof itself. */
  readonly jkt?: string | undefined;
  readonly underGranted?: readonly string[] | undefined;
  /** The key came from a JWKS whose refresh failed (stale-if-error); also counted as `JwksStale`. */
  readonly jwksStale?: true | undefined;
  readonly cause?: Readonly<Record<string, string>> | undefined;
}

/** Options of the decision log, usually read from the Powertools environment variables. */
export interface DecisionLogOptions {
  /** `service` field and metric dimension. @default 'jwt-authorizer' */
  readonly serviceName?: string;
  /** CloudWatch metric namespace. @default 'JwtAuthorizer' */
  readonly namespace?: string;
  /** Emit the EMF block. @default true */
  readonly metrics?: boolean;
  /** Lowest level written: allow and deny lines are INFO, outages ERROR. @default 'INFO' */
  readonly level?: string;
  /** Where lines go. @default process.stdout */
  readonly write?: (line: string) => void;
}

const LEVELS: Record<string, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, CRITICAL: 50, SILENT: 60 };

/** Writes decision lines; create once per cold start. */
export class DecisionLog {
  private readonly service: string;
  private readonly threshold: number;
  private readonly write: (line: string) => void;
  /** The EMF directive, the same for every line. */
  private readonly emf: string | undefined;
  /** The EMF directive of a line whose key came from a stale JWKS: one more metric. */
  private readonly emfStale: string | undefined;
  private coldStart = true;
  /** `toISOString()` costs more than the rest of the line; it is redone only when the second changes. */
  private isoSecond = -1;
  private isoPrefix = '';

  constructor(options: DecisionLogOptions = {}) {
    this.service = options.serviceName || 'jwt-authorizer';
    this.threshold = LEVELS[(options.level ?? 'INFO').toUpperCase()] ?? LEVELS['INFO']!;
    this.write = options.write ?? ((line) => void process.stdout.write(line));
    const directive = (metrics: readonly string[]) =>
      JSON.stringify([{ Namespace: options.namespace || 'JwtAuthorizer', Dimensions: [['service', 'outcome', 'reason']], Metrics: metrics.map((Name) => ({ Name, Unit: 'Count' })) }]);
    this.emf = options.metrics === false ? undefined : directive(['Decision']);
    this.emfStale = options.metrics === false ? undefined : directive(['Decision', 'JwksStale']);
  }

  /** Writes a line that is not a decision (e.g. the JWKS prefetch at init failed); no metric. */
  note(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: Readonly<Record<string, string>>): void {
    if (LEVELS[level]! < this.threshold) return;
    const now = Date.now();
    this.write(`${JSON.stringify({ service: this.service, level, message, timestamp: this.timestamp(now), ...fields })}\n`);
  }

  /** `now` as an ISO 8601 UTC timestamp with milliseconds. */
  timestamp(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.isoSecond) {
      this.isoSecond = second;
      this.isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const ms = now - second * 1000;
    return `${this.isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  }

  /** Writes the line for one decision. */
  record(fields: DecisionFields, awsRequestId: string | undefined): void {
    const level = fields.outcome === 'internal' ? 'ERROR' : 'INFO';
    const logged = LEVELS[level]! >= this.threshold;
    if (!logged && !this.emf) return;
    const now = Date.now();
    let line = `{"service":${JSON.stringify(this.service)},"outcome":"${fields.outcome}","reason":${JSON.stringify(fields.reason)}`;
    if (logged) {
      line +=
        `,"level":"${level}","message":"authorizer decision","timestamp":"${this.timestamp(now)}"` +
        `,"cold_start":${this.coldStart},"function_request_id":${JSON.stringify(awsRequestId ?? null)}`;
      // Every value that is not a fixed word goes through JSON.stringify: `kid` and `sub` come from the token.
      if (fields.eventKind !== undefined) line += `,"eventKind":"${fields.eventKind}"`;
      if (fields.stage !== undefined) line += `,"stage":${JSON.stringify(fields.stage)}`;
      if (fields.route !== undefined) line += `,"route":${JSON.stringify(fields.route)}`;
      if (fields.kid !== undefined) line += `,"kid":${JSON.stringify(fields.kid)}`;
      if (fields.apiRequestId !== undefined) line += `,"apiRequestId":${JSON.stringify(fields.apiRequestId)}`;
      if (fields.sub !== undefined) line += `,"sub":${JSON.stringify(fields.sub)}`;
      if (fields.jtiHash !== undefined) line += `,"jtiHash":${JSON.stringify(fields.jtiHash)}`;
      if (fields.tokenType !== undefined) line += `,"tokenType":${JSON.stringify(fields.tokenType)}`;
      if (fields.jkt !== undefined) line += `,"jkt":${JSON.stringify(fields.jkt)}`;
      if (fields.underGranted !== undefined) line += `,"underGranted":${JSON.stringify(fields.underGranted)}`;
      if (fields.jwksStale) line += `,"jwksStale":true`;
      if (fields.cause !== undefined) line += `,"cause":${JSON.stringify(fields.cause)}`;
    }
    this.coldStart = false;
    if (this.emf) {
      line += fields.jwksStale
        ? `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":${this.emfStale}},"Decision":1,"JwksStale":1`
        : `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":${this.emf}},"Decision":1`;
    }
    this.write(`${line}}\n`);
  }
}
