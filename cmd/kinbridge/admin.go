package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
	"github.com/kinbridge/kinbridge/sqlstore"
)

// withService opens the database of cfg and runs fn with a service and a
// context that acts as the command line itself.
func withService(ctx context.Context, cfg *Config, name string, fn func(ctx context.Context, svc *kinbridge.Service, store *sqlstore.Store) error) error {
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := kinbridge.NewService(store, nil, cfg.serviceConfig())
	return fn(kinbridge.NewContextWithActor(ctx, kinbridge.SystemActor(name)), svc, store)
}

// subcommand dispatches "kinbridge <group> <sub> …".
func subcommand(ctx context.Context, group string, args []string, env *Env, subs map[string]func(context.Context, []string, *Env) error, order []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(env.Stderr, "Usage: kinbridge %s <%s> [flags]\n\nRun 'kinbridge %s <sub-command> -h' for each one's flags.\n", group, strings.Join(order, "|"), group)
		if len(args) == 0 {
			return fmt.Errorf("%s: name a sub-command: %s", group, strings.Join(order, ", "))
		}
		return nil
	}
	fn, ok := subs[args[0]]
	if !ok {
		return fmt.Errorf("%s: unknown sub-command %q; choose one of %s", group, args[0], strings.Join(order, ", "))
	}
	return fn(ctx, args[1:], env)
}

// readPassword reads a password from the first line of standard input, so
// that it shows neither in the process list nor in the shell history.
func readPassword(env *Env) (string, error) {
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("password: give it on standard input, e.g. echo 'a long password' | kinbridge …")
	}
	return pw, nil
}

// fieldError rewrites a domain field error so that it names the flag.
func flagError(err error, flags map[string]string) error {
	if f := kinbridge.ErrorField(err); f != "" {
		name := flags[f]
		if name == "" {
			name = f
		}
		return fmt.Errorf("--%s: %s", name, kinbridge.ErrorMessage(err))
	}
	if code := kinbridge.ErrorCode(err); code != kinbridge.EINTERNAL && code != "" {
		return errors.New(kinbridge.ErrorMessage(err))
	}
	return err
}

func runUser(ctx context.Context, args []string, env *Env) error {
	return subcommand(ctx, "user", args, env, map[string]func(context.Context, []string, *Env) error{
		"add": runUserAdd, "list": runUserList, "passwd": runUserPasswd, "disable": runUserDisable, "enable": runUserEnable,
	}, []string{"add", "list", "passwd", "disable", "enable"})
}

func runUserAdd(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "user add", "", `
Add a user. The password is read from the first line of standard input:
  echo 'a long password' | kinbridge user add --username kim --role officer --unit 3
Roles: administrator, supervisor, officer, call_coordinator, viewer.`)
	var n kinbridge.NewUser
	var role string
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.StringVar(&n.Username, "username", "", "sign-in name (required)")
		fs.StringVar(&n.DisplayName, "name", "", "display name (default: the username)")
		fs.StringVar(&role, "role", "", "role (required)")
		fs.Int64Var(&n.UnitID, "unit", 0, "id of the user's unit (required; see 'kinbridge unit list')")
		fs.StringVar(&n.Lang, "lang", "en", "UI language: en, ko or zh")
	})
	if err != nil {
		return err
	}
	n.Role = kinbridge.Role(role)
	if n.Password, err = readPassword(env); err != nil {
		return err
	}
	return withService(ctx, cfg, "user add", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		u, err := svc.CreateUser(ctx, n)
		if err != nil {
			return flagError(err, map[string]string{"username": "username", "display_name": "name", "unit_id": "unit", "password": "password (standard input)"})
		}
		fmt.Fprintf(env.Stdout, "added user %d %s (%s) in unit %d\n", u.ID, u.Username, u.Role, u.UnitID)
		return nil
	})
}

func runUserList(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "user list", "", "List users: id, username, role, unit, state.")
	var unit int64
	var all bool
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.Int64Var(&unit, "unit", 0, "only users of this unit")
		fs.BoolVar(&all, "all", false, "include disabled users")
	})
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "user list", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		f := kinbridge.UserFilter{UnitID: unit, IncludeDisabled: all, Limit: 500}
		for {
			users, total, err := svc.FindUsers(ctx, f)
			if err != nil {
				return err
			}
			if f.Offset == 0 {
				fmt.Fprintf(env.Stdout, "%-6s %-24s %-17s %-6s %s\n", "ID", "USERNAME", "ROLE", "UNIT", "STATE")
			}
			for _, u := range users {
				state := "active"
				if u.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(env.Stdout, "%-6d %-24s %-17s %-6d %s\n", u.ID, u.Username, u.Role, u.UnitID, state)
			}
			f.Offset += len(users)
			if len(users) == 0 || f.Offset >= total {
				return nil
			}
		}
	})
}

// userArg parses the one USERNAME argument of a user sub-command.
func userArg(fs *flag.FlagSet) (string, error) {
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%s: give exactly one USERNAME", fs.Name())
	}
	return fs.Arg(0), nil
}

func runUserPasswd(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "user passwd", "USERNAME", "Set a user's password, read from standard input; ends their sessions.")
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	name, err := userArg(fs)
	if err != nil {
		return err
	}
	pw, err := readPassword(env)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "user passwd", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		u, err := svc.FindUserByUsername(ctx, name)
		if err != nil {
			return fmt.Errorf("USERNAME %q: %s", name, kinbridge.ErrorMessage(err))
		}
		if err := svc.ResetPassword(ctx, u.ID, pw); err != nil {
			return flagError(err, map[string]string{"password": "password (standard input)"})
		}
		fmt.Fprintf(env.Stdout, "password of %s changed\n", u.Username)
		return nil
	})
}

func runUserDisable(ctx context.Context, args []string, env *Env) error {
	return setUserDisabled(ctx, args, env, true)
}

func runUserEnable(ctx context.Context, args []string, env *Env) error {
	return setUserDisabled(ctx, args, env, false)
}

func setUserDisabled(ctx context.Context, args []string, env *Env, disable bool) error {
	name, explain := "user enable", "Let a disabled user sign in again."
	if disable {
		name, explain = "user disable", "Disable a user: they cannot sign in, and all their sessions end at once."
	}
	fs := newFlagSet(env, name, "USERNAME", explain)
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) { c.addDBFlag(fs) })
	if err != nil {
		return err
	}
	username, err := userArg(fs)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, name, func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		u, err := svc.FindUserByUsername(ctx, username)
		if err != nil {
			return fmt.Errorf("USERNAME %q: %s", username, kinbridge.ErrorMessage(err))
		}
		if disable {
			err = svc.DisableUser(ctx, u.ID)
		} else {
			err = svc.EnableUser(ctx, u.ID)
		}
		if err != nil {
			return flagError(err, nil)
		}
		fmt.Fprintf(env.Stdout, "%s: %sd\n", u.Username, strings.TrimPrefix(name, "user "))
		return nil
	})
}

func runUnit(ctx context.Context, args []string, env *Env) error {
	return subcommand(ctx, "unit", args, env, map[string]func(context.Context, []string, *Env) error{
		"add": runUnitAdd, "list": runUnitList, "rename": runUnitRename, "move": runUnitMove,
	}, []string{"add", "list", "rename", "move"})
}

// unitNameFlags registers the name and time-zone flags of unit add/rename.
func unitNameFlags(fs *flag.FlagSet, names *kinbridge.UnitNames, tz *string) {
	fs.StringVar(&names.EN, "name-en", names.EN, "name in English")
	fs.StringVar(&names.KO, "name-ko", names.KO, "name in Korean")
	fs.StringVar(&names.ZH, "name-zh", names.ZH, "name in Chinese")
	fs.StringVar(tz, "tz", *tz, "IANA time zone, e.g. Asia/Seoul")
}

var unitFlagNames = map[string]string{"name_en": "name-en", "name_ko": "name-ko", "name_zh": "name-zh", "time_zone": "tz", "parent_id": "parent"}

func runUnitAdd(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "unit add", "", `
Add a unit under --parent, or a root unit (headquarters) when --parent is 0.
  kinbridge unit add --name-en HQ --name-ko 본부 --name-zh 总部 --tz Asia/Seoul
  kinbridge unit add --parent 1 --name-en "North Region" --tz Asia/Seoul`)
	u := &kinbridge.Unit{TimeZone: "UTC"}
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.Int64Var(&u.ParentID, "parent", 0, "id of the parent unit (0: a new root)")
		unitNameFlags(fs, &u.Names, &u.TimeZone)
	})
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "unit add", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		if err := svc.CreateUnit(ctx, u); err != nil {
			return flagError(err, unitFlagNames)
		}
		fmt.Fprintf(env.Stdout, "added unit %d %s (%s)\n", u.ID, u.Names.In(kinbridge.LangEnglish), u.Path)
		return nil
	})
}

func runUnitList(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "unit list", "", "List the unit tree: id, name, time zone, indented by depth.")
	var lang string
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.StringVar(&lang, "lang", "en", "language of the names: en, ko or zh")
	})
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "unit list", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		units, err := svc.FindUnits(ctx)
		if err != nil {
			return err
		}
		for _, u := range units {
			fmt.Fprintf(env.Stdout, "%-6d %s%s  [%s]\n", u.ID, strings.Repeat("  ", u.Depth), u.Names.In(lang), u.TimeZone)
		}
		return nil
	})
}

// unitArg parses the one UNIT-ID argument of a unit sub-command.
func unitArg(fs *flag.FlagSet) (int64, error) {
	if fs.NArg() != 1 {
		return 0, fmt.Errorf("%s: give exactly one UNIT-ID", fs.Name())
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s: UNIT-ID %q is not a unit id (see 'kinbridge unit list')", fs.Name(), fs.Arg(0))
	}
	return id, nil
}

func runUnitRename(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "unit rename", "UNIT-ID", "Change a unit's names or time zone; names not given stay as they are.")
	var names kinbridge.UnitNames
	var tz string
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		unitNameFlags(fs, &names, &tz)
	})
	if err != nil {
		return err
	}
	id, err := unitArg(fs)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "unit rename", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		u, err := svc.FindUnitByID(ctx, id)
		if err != nil {
			return fmt.Errorf("UNIT-ID %d: %s", id, kinbridge.ErrorMessage(err))
		}
		for _, p := range []struct {
			dst *string
			v   string
		}{{&u.Names.EN, names.EN}, {&u.Names.KO, names.KO}, {&u.Names.ZH, names.ZH}, {&u.TimeZone, tz}} {
			if p.v != "" {
				*p.dst = p.v
			}
		}
		if _, err := svc.UpdateUnit(ctx, id, u.Names, u.TimeZone); err != nil {
			return flagError(err, unitFlagNames)
		}
		fmt.Fprintf(env.Stdout, "unit %d renamed\n", id)
		return nil
	})
}

func runUnitMove(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "unit move", "UNIT-ID", "Move a unit and its whole subtree under --parent. A move into its own subtree is refused.")
	var parent int64
	cfg, err := loadConfig(env, fs, args, func(c *Config, fs *flag.FlagSet) {
		c.addDBFlag(fs)
		fs.Int64Var(&parent, "parent", 0, "id of the new parent unit (required)")
	})
	if err != nil {
		return err
	}
	id, err := unitArg(fs)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, "unit move", func(ctx context.Context, svc *kinbridge.Service, _ *sqlstore.Store) error {
		u, err := svc.MoveUnit(ctx, id, parent)
		if err != nil {
			return flagError(err, unitFlagNames)
		}
		fmt.Fprintf(env.Stdout, "unit %d moved: %s\n", id, u.Path)
		return nil
	})
}
