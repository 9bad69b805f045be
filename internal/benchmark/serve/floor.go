package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// floorAnswer is the small JSON object the floor answers with.
type floorAnswer struct {
	Valid     bool     `json:"valid"`
	Code      string   `json:"code"`
	Kind      string   `json:"kind"`
	ID        string   `json:"id"`
	Alias     string   `json:"alias"`
	Roles     []string `json:"roles"`
	Scopes    []string `json:"scopes"`
	ExpiresAt string   `json:"expires_at"`
}

// runFloor is the least a verification server can do: decode the body,
// one SHA-256, one map look-up, encode a small JSON object.
func runFloor(keysFile string) error {
	b, err := os.ReadFile(keysFile)
	if err != nil {
		return err
	}
	var keys []issued
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	byHash := make(map[string]floorAnswer, len(keys))
	for _, k := range keys {
		sum := sha256.Sum256([]byte(k.Key))
		byHash[hex.EncodeToString(sum[:])] = floorAnswer{Valid: true, Code: "VALID", Kind: "key", ID: k.ID, Alias: k.Alias,
			Roles: []string{"agent"}, Scopes: []string{"*"}, ExpiresAt: expires}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Key string `json:"key"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256([]byte(req.Key))
		a, ok := byHash[hex.EncodeToString(sum[:])]
		if !ok {
			a = floorAnswer{Code: "NOT_FOUND"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, `{"msg":"listening","addr":%q}`+"\n", ln.Addr().String())
	srv := &http.Server{Handler: h}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
