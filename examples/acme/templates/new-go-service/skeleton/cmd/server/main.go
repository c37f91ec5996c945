// Command server is the ${{ values.name }} service, created from the Acme
// new-go-service golden-path template.
//
//	server              run the HTTP server (port from $PORT, default 8080)
//	server healthcheck  probe GET /health on the local server; exit 0 when healthy
//
// The second form exists because the runtime image (distroless) has no shell
// or curl: the Dockerfile's HEALTHCHECK runs ["/service", "healthcheck"].
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const serviceName = "${{ values.name }}"

// Set at build time with -ldflags "-X main.Version=... -X main.BuildTime=...".
// The golden-path Dockerfile passes ${VERSION} and ${BUILD_TIME}; when the
// build does not define them they arrive empty, hence the fallbacks in main.
var (
	Version   = "dev"
	BuildTime = "unknown"
)

func main() {
	if Version == "" {
		Version = "dev"
	}
	if BuildTime == "" {
		BuildTime = "unknown"
	}
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := healthcheck(addr()); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		slog.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func addr() string {
	if port := os.Getenv("PORT"); port != "" {
		return ":" + port
	}
	return ":8080"
}

func run() error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"status":  "ok",
			"service": serviceName,
			"version": Version,
		})
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s %s (built %s)\n", serviceName, Version, BuildTime)
	})

	srv := &http.Server{
		Addr:              addr(),
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	errc := make(chan error, 1)
	go func() {
		slog.Info("listening", "service", serviceName, "addr", srv.Addr, "version", Version)
		errc <- srv.ListenAndServe()
	}()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func healthcheck(listenAddr string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1" + listenAddr + "/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /health returned %s", resp.Status)
	}
	return nil
}
