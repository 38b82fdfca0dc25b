package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/store"
)

// newMetrics builds the process's metrics with a sql.DBStats collector for
// each of the store's pools (label db_name: primary, or writer and reader
// on SQLite).
func newMetrics(db *store.DB) (*api.Metrics, error) {
	m := api.NewMetrics()
	for name, pool := range db.Pools() {
		if err := m.Register(collectors.NewDBStatsCollector(pool, name)); err != nil {
			return nil, errs.Wrap(err, errs.Internal, "metrics: %v", err)
		}
	}
	return m, nil
}

// serveMetrics serves GET /metrics on its own listener when addr is set
// (TOHU_METRICS_ADDR), so the metrics need not be exposed where the public
// API is. The returned stop function shuts it down.
func serveMetrics(addr string, m *api.Metrics, log *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "TOHU_METRICS_ADDR: cannot listen on %s: %v", addr, unwrapOp(err))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics listener stopped", "error", err.Error())
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
