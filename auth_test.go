package kinbridge

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not an argon2id PHC string with the chosen parameters", h)
	}
	if ok, err := checkPassword(h, "correct horse battery"); err != nil || !ok {
		t.Errorf("right password: ok=%v err=%v", ok, err)
	}
	if ok, _ := checkPassword(h, "correct horse batterY"); ok {
		t.Error("a wrong password was accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := checkPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("an unknown hash format must be an error")
	}
}

func TestLoginLimiter(t *testing.T) {
	l := newLoginLimiter()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if l.blocked("kim", "10.0.0.1", now) {
			t.Fatalf("blocked after %d failures, want 5 allowed", i)
		}
		l.fail("kim", "10.0.0.1", now)
	}
	if !l.blocked("kim", "10.0.0.2", now) {
		t.Error("the account is not blocked after 5 failures")
	}
	if l.blocked("lee", "10.0.0.1", now) {
		t.Error("another account from the same address is blocked after only 5 failures")
	}
	if l.blocked("kim", "10.0.0.1", now.Add(2*time.Minute)) {
		t.Error("the account is still blocked after the refill interval")
	}
	// Per address: 20 failures across many accounts block the address.
	for i := range 20 {
		l.fail(strings.Repeat("x", i+1), "10.9.9.9", now)
	}
	if !l.blocked("fresh", "10.9.9.9", now) {
		t.Error("the address is not blocked after 20 failures")
	}
}

func TestValidateNewUser(t *testing.T) {
	ok := NewUser{Username: " Kim.Officer ", Role: RoleOfficer, UnitID: 1, Password: "long enough pw"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid user: %v", err)
	}
	if ok.Username != "kim.officer" || ok.DisplayName != "kim.officer" || ok.Lang != LangEnglish {
		t.Errorf("normalised to %+v", ok)
	}
	tests := []struct {
		name  string
		edit  func(*NewUser)
		field string
	}{
		{"username", func(n *NewUser) { n.Username = "a b" }, "username"},
		{"role", func(n *NewUser) { n.Role = "boss" }, "role"},
		{"unit", func(n *NewUser) { n.UnitID = 0 }, "unit_id"},
		{"short password", func(n *NewUser) { n.Password = "short" }, "password"},
		{"lang", func(n *NewUser) { n.Lang = "fr" }, "lang"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := NewUser{Username: "kim", Role: RoleOfficer, UnitID: 1, Password: "long enough pw"}
			tt.edit(&n)
			err := n.Validate()
			if ErrorCode(err) != EINVALID || ErrorField(err) != tt.field {
				t.Errorf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestValidateUnit(t *testing.T) {
	u := &Unit{Names: UnitNames{KO: " 본부 "}}
	if err := u.Validate(); err != nil {
		t.Fatal(err)
	}
	if u.TimeZone != "UTC" || u.Names.In(LangEnglish) != "본부" {
		t.Errorf("normalised to %+v", u)
	}
	if err := (&Unit{}).Validate(); ErrorField(err) != "name_en" {
		t.Errorf("no name: got %v", err)
	}
	if err := (&Unit{Names: UnitNames{EN: "x"}, TimeZone: "Mars/Base"}).Validate(); ErrorField(err) != "time_zone" {
		t.Errorf("bad zone: got %v", err)
	}
}
