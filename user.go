package kinbridge

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// User is a person who signs in to kinbridge. Each user belongs to one unit
// and works within its scope.
type User struct {
	ID           int64
	Username     string // lower case, unique
	DisplayName  string
	Role         Role
	UnitID       int64
	UnitPath     string // of UnitID; filled by the store on reads
	PasswordHash string // argon2id, PHC string format; never leaves the domain
	Lang         string
	Disabled     bool
	Created      time.Time
	Updated      time.Time
}

// UserFilter selects users. Zero fields select everything.
type UserFilter struct {
	PathPrefix      string // users of units in this subtree
	Path            string // users of exactly this unit
	UnitID          int64
	Role            Role
	IncludeDisabled bool
	Limit, Offset   int
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewUser holds what is needed to create a user.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	UnitID      int64
	Password    string
	Lang        string
	// PasswordHash, when set instead of Password, is an argon2id hash made
	// beforehand; only the command line (bulk loads, demo data) may use it.
	PasswordHash string
}

// Validate checks the fields of a new user.
func (n *NewUser) Validate() error {
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if !usernameRE.MatchString(n.Username) {
		return FieldError("username", "error.user.username", "2 to 64 characters: letters a-z, digits, dot, dash or underscore.")
	}
	if n.DisplayName == "" {
		n.DisplayName = n.Username
	}
	if len([]rune(n.DisplayName)) > 200 {
		return FieldError("display_name", "error.too_long", "At most %d characters.", 200)
	}
	if !n.Role.Valid() {
		return FieldError("role", "error.user.role", "Choose one of the roles.")
	}
	if n.UnitID == 0 {
		return FieldError("unit_id", "error.user.unit", "Choose the user's unit.")
	}
	if n.Lang == "" {
		n.Lang = LangEnglish
	} else if !ValidLang(n.Lang) {
		return FieldError("lang", "error.lang", "Choose English, Korean or Chinese.")
	}
	if n.PasswordHash != "" && n.Password == "" {
		return nil
	}
	return validatePassword("password", n.Password)
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

func validatePassword(field, pw string) error {
	if n := len([]rune(pw)); n < MinPasswordLength {
		return FieldError(field, "error.password.short", "At least %d characters.", MinPasswordLength)
	} else if n > 200 {
		return FieldError(field, "error.too_long", "At most %d characters.", 200)
	}
	return nil
}

// findUserInScope loads a user and authorises the action on them; a user is
// in scope when their unit is.
func findUserInScope(ctx context.Context, tx Tx, a *Actor, action Action, id int64) (*User, error) {
	u, err := tx.FindUserByID(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound("user")
	} else if err != nil {
		return nil, err
	}
	if err := authorize(a, action, u.UnitPath, "user"); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUserByID returns a user inside the caller's scope.
func (s *Service) FindUserByID(ctx context.Context, id int64) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *User
	// A user's record is personal data: reading it is audited.
	err = s.store.Update(ctx, func(tx Tx) error {
		if u, err = findUserInScope(ctx, tx, a, ActionUserView, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "user.view", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID})
	})
	return u, err
}

// FindUsers lists the users of the caller's scope, narrowed by f.
func (s *Service) FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := authorizeAction(a, ActionUserView); err != nil {
		return nil, 0, err
	}
	scope := scopeFilter(a)
	f.PathPrefix, f.Path = scope.PathPrefix, scope.Path
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var users []*User
	var total int
	err = s.store.View(ctx, func(tx Tx) error {
		users, total, err = tx.FindUsers(ctx, f)
		return err
	})
	return users, total, err
}

// CreateUser adds a user to a unit in the caller's scope.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	users, err := s.CreateUsers(ctx, []NewUser{n}, nil)
	if err != nil {
		return nil, err
	}
	return users[0], nil
}

// CreateUsers adds several users in one transaction: all or none. progress,
// if not nil, is called after every 1,000 users with the number done.
func (s *Service) CreateUsers(ctx context.Context, news []NewUser, progress func(done int)) ([]*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	users := make([]*User, len(news))
	for i := range news {
		n := &news[i]
		if err := n.Validate(); err != nil {
			return nil, err
		}
		hash := n.PasswordHash
		if n.Password != "" {
			if hash, err = s.hashPassword(n.Password); err != nil {
				return nil, err
			}
		} else if !a.System {
			return nil, FieldError("password", "error.password.short", "At least %d characters.", MinPasswordLength)
		}
		users[i] = &User{Username: n.Username, DisplayName: n.DisplayName, Role: n.Role, UnitID: n.UnitID, Lang: n.Lang, PasswordHash: hash}
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		for i, u := range users {
			if err := s.createUser(ctx, tx, a, u); err != nil {
				return err
			}
			if progress != nil && (i+1)%1000 == 0 {
				progress(i + 1)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

func (s *Service) createUser(ctx context.Context, tx Tx, a *Actor, u *User) error {
	unit, err := findUnitInScope(ctx, tx, a, ActionUserCreate, u.UnitID)
	if ErrorCode(err) == ENOTFOUND {
		return FieldError("unit_id", "error.user.unit", "Choose the user's unit.")
	} else if err != nil {
		return err
	}
	u.UnitPath = unit.Path
	if err := tx.CreateUser(ctx, u); ErrorCode(err) == ECONFLICT {
		return FieldError("username", "error.user.taken", "This username is taken.")
	} else if err != nil {
		return err
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: "user.create", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID,
		Detail: map[string]any{"username": u.Username, "role": string(u.Role), "unit_id": u.UnitID}})
}

// FindUserByUsername returns a user inside the caller's scope by username.
func (s *Service) FindUserByUsername(ctx context.Context, username string) (*User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var u *User
	err = s.store.View(ctx, func(tx Tx) error {
		u, err = tx.FindUserByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
		if ErrorCode(err) == ENOTFOUND {
			return notFound("user")
		} else if err != nil {
			return err
		}
		return authorize(a, ActionUserView, u.UnitPath, "user")
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DisableUser disables a user and ends all their sessions at once.
func (s *Service) DisableUser(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := findUserInScope(ctx, tx, a, ActionUserDisable, id)
		if err != nil {
			return err
		}
		if u.ID == a.UserID {
			return &Error{Code: ECONFLICT, Message: "You cannot disable yourself.", Key: "error.user.disable_self"}
		}
		if u.Disabled {
			return nil
		}
		u.Disabled = true
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "user.disable", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID})
	})
}

// EnableUser lets a disabled user sign in again.
func (s *Service) EnableUser(ctx context.Context, id int64) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := findUserInScope(ctx, tx, a, ActionUserDisable, id)
		if err != nil || !u.Disabled {
			return err
		}
		u.Disabled = false
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "user.enable", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID})
	})
}

// ResetPassword sets another user's password and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, id int64, password string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := validatePassword("password", password); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := findUserInScope(ctx, tx, a, ActionUserResetPassword, id)
		if err != nil {
			return err
		}
		return s.setPassword(ctx, tx, a, u, hash, "user.reset_password")
	})
}

// ChangeOwnPassword changes the caller's password after checking the current
// one. The caller stays signed in.
func (s *Service) ChangeOwnPassword(ctx context.Context, current, password string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := validatePassword("new_password", password); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, a.UserID)
		if err != nil {
			return err
		}
		if ok, err := checkPassword(u.PasswordHash, current); err != nil {
			return err
		} else if !ok {
			return FieldError("current_password", "error.password.wrong", "The current password is not right.")
		}
		return s.setPassword(ctx, tx, a, u, hash, "user.change_password")
	})
}

func (s *Service) setPassword(ctx context.Context, tx Tx, a *Actor, u *User, hash, action string) error {
	u.PasswordHash = hash
	if err := tx.UpdateUser(ctx, u); err != nil {
		return err
	}
	if u.ID != a.UserID {
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	return s.audit(ctx, tx, a, AuditEvent{Action: action, RecordType: "user", RecordID: u.ID, UnitID: u.UnitID})
}

// SetOwnLanguage remembers the caller's UI language.
func (s *Service) SetOwnLanguage(ctx context.Context, lang string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if !ValidLang(lang) {
		return FieldError("lang", "error.lang", "Choose English, Korean or Chinese.")
	}
	return s.store.Update(ctx, func(tx Tx) error {
		u, err := tx.FindUserByID(ctx, a.UserID)
		if err != nil {
			return err
		}
		u.Lang = lang
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditEvent{Action: "user.set_language", RecordType: "user", RecordID: u.ID, UnitID: u.UnitID,
			Detail: map[string]any{"lang": lang}})
	})
}
