// Package kinbridge holds the domain of the kinbridge case-management system:
// its types, its rules and the services that apply them. It knows nothing of
// SQL or HTTP; the storage packages (sqlite, postgres, via sqlstore) implement
// Store, and the web package serves the Service over HTML and JSON.
package kinbridge

import (
	"context"
	"time"
)

// Languages the user interface and unit names come in.
const (
	LangEnglish = "en"
	LangKorean  = "ko"
	LangChinese = "zh"
)

// Langs lists the supported UI languages in display order.
var Langs = []string{LangEnglish, LangKorean, LangChinese}

// ValidLang reports whether lang is a supported UI language.
func ValidLang(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Clock tells the time; tests replace it with a fake one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time in UTC, truncated to microseconds, the
// precision both database engines keep.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Ping checks that the store answers; used by health checks.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }
