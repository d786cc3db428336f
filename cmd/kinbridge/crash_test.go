package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlite"
)

// TestKill9LosesNoAcknowledgedWrite starts the real binary on SQLite, sends
// a stream of writes from several clients, kills the server with SIGKILL in
// the middle of the stream, and checks that every write answered with 2xx is
// in the database afterwards — and that the audit chain is intact.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kinbridge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "kb.db")
	mustCLI(t, db, "", "unit", "add", "--name-en", "HQ")
	mustCLI(t, db, "a long password\n", "user", "add", "--username", "admin", "--role", "administrator", "--unit", "1")
	token := createToken(t, db, "admin", "a long password")

	cmd := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := waitForURL(t, stderr)

	var mu sync.Mutex
	var acked []int64
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				body, _ := json.Marshal(map[string]any{"parent_id": 1, "name_en": fmt.Sprintf("unit %d-%d", w, i), "time_zone": "UTC"})
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/units", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var got struct{ ID int64 }
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Errorf("POST /api/v1/units: %s", resp.Status)
					return
				}
				if err != nil || got.ID == 0 {
					t.Errorf("POST /api/v1/units answered 2xx without an id: %v", err)
					return
				}
				mu.Lock()
				acked = append(acked, got.ID)
				mu.Unlock()
			}
		}()
	}
	// Kill in the middle of the stream, once a good number of writes are in.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_ = cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d writes were acknowledged before the kill; the test proves nothing", len(acked))
	}

	store, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(context.Background(), kinbridge.SystemActor("test"))
	units, err := svc.FindUnits(sys)
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]bool{}
	for _, u := range units {
		have[u.ID] = true
	}
	var lost []int64
	for _, id := range acked {
		if !have[id] {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d acknowledged writes were lost by kill -9: %v", len(lost), len(acked), lost)
	}
	if _, problem, err := svc.VerifyAudit(sys, nil); err != nil || problem != nil {
		t.Errorf("audit after kill -9: problem %v, err %v", problem, err)
	}
	t.Logf("%d acknowledged writes, %d units in the database after kill -9", len(acked), len(units))
}

// createToken signs in as the user and creates an API token for them.
func createToken(t *testing.T, db, username, password string) string {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, kinbridge.DefaultServiceConfig())
	_, a, err := svc.Login(ctx, username, password, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := svc.CreateAPIToken(kinbridge.NewContextWithActor(ctx, a), "crash test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

var servingRE = regexp.MustCompile(`url=(http://[^ ]+)`)

// waitForURL reads the server's log until it says where it serves.
func waitForURL(t *testing.T, stderr interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- strings.TrimSpace(m[1]):
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not say where it serves within 30 s")
	}
	return ""
}
