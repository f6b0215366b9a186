// Names of the metrics Sluice exports: one place, shared by the workers that record them and the
// admin endpoint that gathers them. Standard Prometheus units and suffixes.

export const metricNames = {
  /** counter; labels: route, cluster, code_class ("2xx"…; local replies included) */
  requests: 'sluice_requests_total',
  /** histogram (seconds); labels: route, cluster */
  requestDuration: 'sluice_request_duration_seconds',
  /** gauge; downstream connections open in the workers */
  activeConnections: 'sluice_downstream_connections_active',
  /** counter; labels: worker — connections each worker accepted (shows the kernel spreading them) */
  workerConnections: 'sluice_worker_connections_total',
  /** counter; HTTP/2 connections closed for resetting streams abusively (http2.maxResetsPerSecond) */
  http2RapidResetCloses: 'sluice_http2_rapid_reset_closes_total',
  /** counter; labels: cluster — retries sent (a try after the first) */
  retries: 'sluice_upstream_retries_total',
  /** counter; labels: cluster, breaker ("connections" | "pending" | "requests" | "retries") — refused by a circuit breaker or the retry budget */
  circuitBreakerOverflows: 'sluice_circuit_breaker_overflows_total',
  /** counter; labels: code (an ErrorCode) */
  localReplies: 'sluice_local_replies_total',
  /** gauge; the snapshot version the control plane publishes */
  configVersion: 'sluice_config_version',
  /** counter; labels: result ("ok" | "failed") */
  configReloads: 'sluice_config_reloads_total',
  /** gauge; labels: cluster, endpoint, zone — in-flight requests from the EndpointTable */
  endpointActiveRequests: 'sluice_endpoint_active_requests',
  /** gauge; live worker threads */
  workers: 'sluice_workers',
  /** counter; labels: cluster, reason (consecutive_5xx, consecutive_gateway_failure, success_rate, failure_percentage) — outliers found */
  outlierDetected: 'sluice_outlier_ejections_detected_total',
  /** counter; labels: cluster, reason — outliers actually ejected */
  outlierEnforced: 'sluice_outlier_ejections_enforced_total',
  /** counter; labels: cluster, reason — outliers left in because of maxEjectionPercent */
  outlierOverflow: 'sluice_outlier_ejections_overflow_total',
  /** counter; labels: cluster, result ("pass" | "fail") — finished active health checks */
  healthChecks: 'sluice_health_checks_total',
  /** gauge; labels: cluster, endpoint, zone — 1 unless active health checks keep it out (unhealthy or not yet checked) */
  endpointHealthy: 'sluice_endpoint_healthy',
  /** gauge; labels: cluster, endpoint, zone — 1 while outlier detection has ejected it */
  endpointEjected: 'sluice_endpoint_ejected',
} as const;
