package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/smtp/smtptest"
	"github.com/kinbridge/kinbridge/sqlite"
)

func TestSMTPSettingsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"addr without port", map[string]string{"KINBRIDGE_SMTP_ADDR": "mail.example.org", "KINBRIDGE_SMTP_FROM": "kb@example.org"}, nil, "KINBRIDGE_SMTP_ADDR (--smtp-addr)"},
		{"addr flag without port", map[string]string{"KINBRIDGE_SMTP_FROM": "kb@example.org"}, []string{"--smtp-addr", "mail.example.org"}, "KINBRIDGE_SMTP_ADDR (--smtp-addr)"},
		{"no sender", map[string]string{"KINBRIDGE_SMTP_ADDR": "mail.example.org:587"}, nil, "KINBRIDGE_SMTP_FROM (--smtp-from)"},
		{"bad sender", nil, []string{"--smtp-addr", "mail.example.org:587", "--smtp-from", "kinbridge"}, "KINBRIDGE_SMTP_FROM (--smtp-from)"},
		{"sender without server", map[string]string{"KINBRIDGE_SMTP_FROM": "kb@example.org"}, nil, "KINBRIDGE_SMTP_ADDR (--smtp-addr)"},
		{"user without password", map[string]string{"KINBRIDGE_SMTP_ADDR": "mail.example.org:587", "KINBRIDGE_SMTP_FROM": "kb@example.org", "KINBRIDGE_SMTP_USER": "kb"}, nil, "KINBRIDGE_SMTP_PASSWORD"},
		{"password without user", map[string]string{"KINBRIDGE_SMTP_ADDR": "mail.example.org:587", "KINBRIDGE_SMTP_FROM": "kb@example.org", "KINBRIDGE_SMTP_PASSWORD": "x"}, nil, "KINBRIDGE_SMTP_USER (--smtp-user)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _, _ := testEnv(tt.vars)
			fs := newFlagSet(env, "serve", "", "")
			_, err := loadConfig(env, fs, tt.args, func(c *Config, fs *flag.FlagSet) { c.addServeFlags(fs) })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}

	env, _, _ := testEnv(map[string]string{"KINBRIDGE_SMTP_ADDR": "mail.example.org:587", "KINBRIDGE_SMTP_FROM": "kinbridge <kb@example.org>",
		"KINBRIDGE_SMTP_USER": "kb", "KINBRIDGE_SMTP_PASSWORD": "secret"})
	fs := newFlagSet(env, "jobs run", "", "")
	cfg, err := loadConfig(env, fs, []string{"--smtp-addr", "relay.example.org:25"}, func(c *Config, fs *flag.FlagSet) { c.addSMTPFlags(fs) })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTPAddr != "relay.example.org:25" || cfg.SMTPFrom != "kinbridge <kb@example.org>" || cfg.SMTPUser != "kb" || cfg.SMTPPassword != "secret" {
		t.Errorf("got %+v", cfg)
	}
	if m, err := cfg.mailer(); err != nil || m == nil {
		t.Errorf("mailer: %v, %v", m, err)
	}
	if m, err := (&Config{}).mailer(); err != nil || m != nil {
		t.Errorf("mailer without a server: %#v, %v; want a nil interface", m, err)
	}
}

// fakeClock is a clock the test sets.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// jobsWorld is a database with one problem past its due date: raised four
// days ago in a category allowed three days, assigned to an officer who
// gave an e-mail address, at an office under a region under headquarters,
// with a supervisor at the region and one at headquarters.
type jobsWorld struct {
	db                        string
	problemID                 int64
	officer, regionSup, hqSup int64
	email                     string
}

func newJobsWorld(t *testing.T) jobsWorld {
	t.Helper()
	ctx := context.Background()
	w := jobsWorld{db: filepath.Join(t.TempDir(), "kb.db"), email: "officer@example.org"}
	store, err := sqlite.Open(ctx, w.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := &fakeClock{t: kinbridge.SystemClock{}.Now().Add(-4 * 24 * time.Hour)}
	store.SetClock(clock)
	svc := kinbridge.NewService(store, clock, kinbridge.DefaultServiceConfig())
	sys := kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor("test"))
	hq := &kinbridge.Unit{Names: kinbridge.UnitNames{EN: "HQ"}, TimeZone: "UTC"}
	if err := svc.CreateUnit(sys, hq); err != nil {
		t.Fatal(err)
	}
	region := &kinbridge.Unit{ParentID: hq.ID, Names: kinbridge.UnitNames{EN: "Region"}, TimeZone: "UTC"}
	if err := svc.CreateUnit(sys, region); err != nil {
		t.Fatal(err)
	}
	office := &kinbridge.Unit{ParentID: region.ID, Names: kinbridge.UnitNames{EN: "Office"}, TimeZone: "UTC"}
	if err := svc.CreateUnit(sys, office); err != nil {
		t.Fatal(err)
	}
	hash, err := kinbridge.HashPassword("a long password")
	if err != nil {
		t.Fatal(err)
	}
	users, err := svc.CreateUsers(sys, []kinbridge.NewUser{
		{Username: "officer", Role: kinbridge.RoleOfficer, UnitID: office.ID, PasswordHash: hash},
		{Username: "region.sup", Role: kinbridge.RoleSupervisor, UnitID: region.ID, PasswordHash: hash},
		{Username: "hq.sup", Role: kinbridge.RoleSupervisor, UnitID: hq.ID, PasswordHash: hash},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.officer, w.regionSup, w.hqSup = users[0].ID, users[1].ID, users[2].ID
	h := &kinbridge.Household{UnitID: office.ID, Address: "1 Jobs Lane"}
	if err := svc.CreateHousehold(sys, h); err != nil {
		t.Fatal(err)
	}
	p := &kinbridge.Problem{HouseholdID: h.ID, Category: "food", Description: "No rice left.", AssigneeID: w.officer}
	if err := svc.CreateProblem(sys, p); err != nil {
		t.Fatal(err)
	}
	w.problemID = p.ID
	if err := store.Update(ctx, func(tx kinbridge.Tx) error { return tx.SetUserEmail(ctx, w.officer, w.email) }); err != nil {
		t.Fatal(err)
	}
	return w
}

// notifications returns the user's notifications by kind.
func (w jobsWorld) notifications(t *testing.T, userID int64) map[string][]*kinbridge.Notification {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, w.db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	byKind := map[string][]*kinbridge.Notification{}
	err = store.View(ctx, func(tx kinbridge.Tx) error {
		ns, err := tx.FindNotifications(ctx, kinbridge.NotificationFilter{UserID: userID, Limit: 100})
		for _, n := range ns {
			byKind[n.Kind] = append(byKind[n.Kind], n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return byKind
}

var jobsLine = regexp.MustCompile(`escalated (\d+), digests (\d+), mails sent (\d+), mails failed (\d+)`)

// TestJobsRunExactlyOnce runs 'kinbridge jobs run' as separate processes
// of the real binary on one SQLite file — two at once, then a third after
// they have exited — and checks that the problem past due was escalated
// once, its supervisor notified once, the officer's digest made once and
// mailed once.
func TestJobsRunExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	w := newJobsWorld(t)
	mail := smtptest.Start(t, smtptest.Options{})
	bin := filepath.Join(t.TempDir(), "kinbridge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func() string {
		cmd := exec.Command(bin, "jobs", "run")
		cmd.Env = append(os.Environ(), "KINBRIDGE_DB="+w.db, "KINBRIDGE_SMTP_ADDR="+mail.Addr, "KINBRIDGE_SMTP_FROM=kinbridge <noreply@example.org>")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("kinbridge jobs run: %v\n%s%s", err, out, stderr.Bytes())
		}
		return string(out)
	}
	var outs [3]string
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { outs[i] = run() })
	}
	wg.Wait()
	outs[2] = run()

	var total [4]int
	for i, out := range outs {
		m := jobsLine.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("run %d printed %q, not what it did", i+1, out)
		}
		for j := range total {
			n, _ := strconv.Atoi(m[j+1])
			total[j] += n
		}
	}
	if want := [4]int{1, 1, 1, 0}; total != want {
		t.Errorf("escalated, digests, mails sent, failed over the three runs: %v, want %v\n%s", total, want, strings.Join(outs[:], ""))
	}
	if m := jobsLine.FindStringSubmatch(outs[2]); m == nil || m[0] != "escalated 0, digests 0, mails sent 0, mails failed 0" {
		t.Errorf("the run after the others did something: %q", outs[2])
	}

	if got := w.notifications(t, w.regionSup)[kinbridge.NotifyEscalated]; len(got) != 1 || got[0].ProblemID != w.problemID {
		t.Errorf("the region's supervisor has %d escalation notifications, want 1 of problem %d: %+v", len(got), w.problemID, got)
	}
	// One period past due: the problem went one level up, not two.
	if got := w.notifications(t, w.hqSup)[kinbridge.NotifyEscalated]; len(got) != 0 {
		t.Errorf("headquarters' supervisor has %d escalation notifications, want none yet", len(got))
	}
	if got := w.notifications(t, w.officer)[kinbridge.NotifyDigest]; len(got) != 1 {
		t.Errorf("the officer has %d digests, want 1", len(got))
	}
	got := mail.Received()
	if len(got) != 1 {
		t.Fatalf("the SMTP server received %d mails, want 1", len(got))
	}
	if got[0].To != w.email || !bytes.Contains(got[0].Data, []byte("Subject: kinbridge: your work for ")) ||
		!bytes.Contains(got[0].Data, []byte("1 problems overdue")) {
		t.Errorf("the mail to %s:\n%s", got[0].To, got[0].Data)
	}
}

// TestServeRunsJobs: the server runs the jobs at start, logs what they
// did, and stops cleanly.
func TestServeRunsJobs(t *testing.T) {
	w := newJobsWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	env, _, _ := testEnv(nil)
	env.Stderr = logs
	listening := make(chan string, 1)
	env.OnListen = func(addr string) { listening <- addr }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"serve", "--db", w.db, "--addr", "127.0.0.1:0"}, env) }()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not start within 60 s")
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), `msg="background jobs" escalated=1 digests=1 mails_sent=0`) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not log its first run of the jobs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop within 30 s")
	}
	if s := logs.String(); !strings.Contains(s, "msg=stopped") || strings.Contains(s, "level=ERROR") {
		t.Errorf("the server's log:\n%s", s)
	}
	if got := w.notifications(t, w.regionSup)[kinbridge.NotifyEscalated]; len(got) != 1 {
		t.Errorf("the region's supervisor has %d escalation notifications, want 1", len(got))
	}
}

// syncBuffer is a buffer that the server's goroutines write while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
