// Names of the metrics Sluice exports: one place, shared by the workers that record them and the
// admin endpoint that gathers them. Standard Prometheus units and suffixes.

export const metricNames = {
  // ── downstream (workers) ──
  /** counter; labels: listener, route, cluster, method (GET…OPTIONS | other), code_class ("2xx"…; local replies included) */
  requests: 'sluice_requests_total',
  /** histogram (seconds); labels: listener, route, cluster */
  requestDuration: 'sluice_request_duration_seconds',
  /** counter; labels: listener, route, cluster — request body bytes received */
  requestBodyBytes: 'sluice_request_body_bytes_total',
  /** counter; labels: listener, route, cluster — response body bytes sent */
  responseBodyBytes: 'sluice_response_body_bytes_total',
  /** gauge; downstream requests in flight in the workers */
  activeRequests: 'sluice_downstream_requests_active',
  /** gauge; downstream connections open in the workers */
  activeConnections: 'sluice_downstream_connections_active',
  /** counter; labels: listener — TLS handshakes completed */
  tlsHandshakes: 'sluice_tls_handshakes_total',
  /** counter; labels: listener — TLS handshakes that failed (protocol error, no shared cipher, timeout…) */
  tlsHandshakeErrors: 'sluice_tls_handshake_errors_total',
  /** counter; labels: worker — connections each worker accepted (shows the kernel spreading them) */
  workerConnections: 'sluice_worker_connections_total',
  /** counter; HTTP/2 connections closed for resetting streams abusively (http2.maxResetsPerSecond) */
  http2RapidResetCloses: 'sluice_http2_rapid_reset_closes_total',
  /** counter; labels: code (the RFC 9113 error name, e.g. PROTOCOL_ERROR) — HTTP/2 connections Sluice's engine closed for a protocol error or a flood */
  http2ConnectionErrors: 'sluice_http2_connection_errors_total',
  /** counter; labels: cluster — retries sent (a try after the first) */
  retries: 'sluice_upstream_retries_total',
  /** counter; labels: cluster, breaker ("connections" | "pending" | "requests" | "retries") — refused by a circuit breaker or the retry budget */
  circuitBreakerOverflows: 'sluice_circuit_breaker_overflows_total',
  /** counter; labels: code (an ErrorCode) */
  localReplies: 'sluice_local_replies_total',
  // ── upstream (workers) ──
  /** counter; labels: cluster, endpoint (absent when metrics.endpointLabels is false), code_class */
  upstreamRequests: 'sluice_upstream_requests_total',
  /** counter; labels: cluster — requests past their deadline (504 upstream_timeout) */
  upstreamTimeouts: 'sluice_upstream_timeouts_total',
  /** histogram (seconds); labels: cluster — TCP connect time of HTTP/1.1 endpoint connections */
  upstreamConnectDuration: 'sluice_upstream_connect_duration_seconds',
  // ── main thread ──
  /** gauge; the snapshot version the control plane publishes */
  configVersion: 'sluice_config_version',
  /** counter; labels: result ("ok" | "failed") */
  configReloads: 'sluice_config_reloads_total',
  /** counter; labels: resource (ingresses, ingressclasses, services, endpointslices, secrets), type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) */
  kubernetesWatchEvents: 'sluice_kubernetes_watch_events_total',
  /** counter; labels: resource — full lists (the first sync, and every relist after a 410 Gone or an error) */
  kubernetesLists: 'sluice_kubernetes_lists_total',
  /** counter; labels: resource — failed lists and watches (each retried after a back-off) */
  kubernetesWatchErrors: 'sluice_kubernetes_watch_errors_total',
  /** gauge (unix seconds); labels: resource — when the cache last heard from the API server (a list or a watch event) */
  kubernetesLastSync: 'sluice_kubernetes_last_sync_timestamp_seconds',
  /** gauge; labels: cluster, endpoint, zone — in-flight requests from the EndpointTable (cluster only when endpoint labels are off) */
  endpointActiveRequests: 'sluice_endpoint_active_requests',
  /** gauge; labels: cluster, endpoint, zone — open upstream connections from the EndpointTable (same label rule) */
  endpointConnections: 'sluice_endpoint_connections',
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
