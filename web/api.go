package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// decodeJSON reads a JSON request body into v. Unknown fields are refused,
// so that a misspelt field is an error rather than silently ignored.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return &kinbridge.Error{Code: kinbridge.EINVALID, Field: typeErr.Field, Message: fmt.Sprintf("%s has the wrong type: want %s, got %s.", typeErr.Field, typeErr.Type, typeErr.Value)}
		}
		return &kinbridge.Error{Code: codeBadRequest, Message: "The request body is not valid JSON for this operation: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &kinbridge.Error{Code: codeBadRequest, Message: "The request body holds more than one JSON value."}
	}
	return nil
}

// queryInt reads an integer query parameter; absent is 0.
func queryInt(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, &kinbridge.Error{Code: kinbridge.EINVALID, Field: name, Message: name + " must be a whole number."}
	}
	return n, nil
}

// queryTime reads an RFC 3339 time query parameter; absent is zero.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &kinbridge.Error{Code: kinbridge.EINVALID, Field: name, Message: name + " must be an RFC 3339 time, e.g. 2026-11-27T14:05:00Z."}
	}
	return t, nil
}

// The JSON shapes of the API, documented in openapi.json. Times are RFC 3339
// in UTC; a time that never happened is null.

// jsonUnit names its fields as the service's errors name them (name_en,
// not names.en), so that an error's field is a field of the request.
type jsonUnit struct {
	ID       int64     `json:"id"`
	ParentID *int64    `json:"parent_id"`
	NameEN   string    `json:"name_en"`
	NameKO   string    `json:"name_ko"`
	NameZH   string    `json:"name_zh"`
	TimeZone string    `json:"time_zone"`
	Path     string    `json:"path"`
	Depth    int       `json:"depth"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

func toJSONUnit(u *kinbridge.Unit) jsonUnit {
	j := jsonUnit{ID: u.ID, NameEN: u.Names.EN, NameKO: u.Names.KO, NameZH: u.Names.ZH, TimeZone: u.TimeZone,
		Path: u.Path, Depth: u.Depth, Created: u.Created, Updated: u.Updated}
	if u.ParentID != 0 {
		j.ParentID = &u.ParentID
	}
	return j
}

type jsonUser struct {
	ID          int64          `json:"id"`
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Role        kinbridge.Role `json:"role"`
	UnitID      int64          `json:"unit_id"`
	Lang        string         `json:"lang"`
	Disabled    bool           `json:"disabled"`
	Created     time.Time      `json:"created"`
	Updated     time.Time      `json:"updated"`
}

// toJSONUser never copies the password hash: it does not leave the domain.
func toJSONUser(u *kinbridge.User) jsonUser {
	return jsonUser{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, UnitID: u.UnitID,
		Lang: u.Lang, Disabled: u.Disabled, Created: u.Created, Updated: u.Updated}
}

type jsonToken struct {
	ID       int64      `json:"id"`
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used"`
	Revoked  *time.Time `json:"revoked"`
}

func toJSONToken(t *kinbridge.APIToken) jsonToken {
	return jsonToken{ID: t.ID, Name: t.Name, Created: t.Created, LastUsed: timeOrNull(t.LastUsed), Revoked: timeOrNull(t.Revoked)}
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type jsonAuditEntry struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	UnitID     int64           `json:"unit_id"`
	Action     string          `json:"action"`
	RecordType string          `json:"record_type"`
	RecordID   int64           `json:"record_id"`
	Addr       string          `json:"addr"`
	Detail     json.RawMessage `json:"detail"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func toJSONAuditEntry(e *kinbridge.AuditEntry) jsonAuditEntry {
	detail := json.RawMessage(e.Detail)
	if !json.Valid(detail) {
		detail = json.RawMessage("{}")
	}
	return jsonAuditEntry{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, UnitID: e.UnitID,
		Action: e.Action, RecordType: e.RecordType, RecordID: e.RecordID, Addr: e.Addr, Detail: detail,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI is GET /api/v1/openapi.json, the API's description.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
}
