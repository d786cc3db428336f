package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge/callplan"
)

// runPlan plans a week of family calls from an instance file, checks an
// existing plan, or writes a generated instance (docs plan-format.md).
func runPlan(ctx context.Context, args []string, env *Env) error {
	fs := newFlagSet(env, "plan", "", `
Plan one week of family calls from an instance file, without a database: the
exact optimum of households served, then calls, then calls at preferred
times, then fewest home calls. The instance and plan formats are in
plan-format.md.

  kinbridge plan --instance week.json --out plan.json
  kinbridge plan --instance week.json --check plan.json
  kinbridge plan --generate province --seed 1 --out week.json`)
	instance := fs.String("instance", "", "the instance `file` to plan (- for standard input)")
	out := fs.String("out", "-", "where to write the plan or generated instance (`file`, - for standard output)")
	check := fs.String("check", "", "check this plan `file` against the instance instead of solving")
	generate := fs.String("generate", "", "write a generated instance of this `size` (town, province or nation)")
	seed := fs.Int64("seed", 1, "the generator's seed (with --generate)")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("plan: unexpected argument %q", fs.Arg(0))
	}
	if *generate != "" {
		if *instance != "" || *check != "" {
			return errors.New("plan: --generate writes an instance; it does not take --instance or --check")
		}
		in := callplan.Generate(*generate, *seed)
		if in == nil {
			return fmt.Errorf("plan: --generate: unknown size %q, want one of %s", *generate, strings.Join(callplan.Sizes, ", "))
		}
		var buf bytes.Buffer
		if err := callplan.WriteInstance(&buf, in); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "generated %s (seed %d): %d offices, %d officers, %d households\n", *generate, *seed, len(in.Offices), len(in.Officers), len(in.Households))
		return writeOutput(env, *out, "--out", buf.Bytes())
	}
	if *instance == "" {
		return errors.New("plan: --instance is required (a file, or - for standard input)")
	}
	in, err := readPlanInput(env, *instance, "--instance", callplan.ReadInstance)
	if err != nil {
		return err
	}
	if *check != "" {
		p, err := readPlanInput(env, *check, "--check", callplan.ReadPlan)
		if err != nil {
			return err
		}
		if err := callplan.Check(in, p); err != nil {
			return fmt.Errorf("plan: --check %s: the plan breaks the rules:\n%w", *check, err)
		}
		fmt.Fprintf(env.Stderr, "plan %s is valid: %d calls, %d households served, %d short\n", *check, len(p.Calls), p.Objective.HouseholdsServed, len(p.Short))
		return nil
	}
	start := time.Now()
	p, st, err := callplan.SolveWithStats(ctx, in)
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	elapsed := time.Since(start)
	var buf bytes.Buffer
	if err := callplan.WritePlan(&buf, p); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "planned %d households in %d components (%d nodes, %d arcs) in %v: %d served, %d calls, %d at preferred times, %d at home; %d short\n",
		len(in.Households), st.Components, st.Nodes, st.Arcs, elapsed.Round(time.Millisecond),
		p.Objective.HouseholdsServed, p.Objective.Calls, p.Objective.Preferred, p.Objective.HomeCalls, len(p.Short))
	return writeOutput(env, *out, "--out", buf.Bytes())
}

// readPlanInput opens name (- for standard input) and reads it with read;
// errors name the flag.
func readPlanInput[T any](env *Env, name, flag string, read func(io.Reader) (*T, error)) (*T, error) {
	var r io.Reader = env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("plan: %s: %w", flag, err)
		}
		defer f.Close()
		r = f
	}
	v, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("plan: %s %s: %w", flag, name, err)
	}
	return v, nil
}

// writeOutput writes b to name (- for standard output) through a temporary
// file renamed into place, so a failed run leaves no half-written file.
func writeOutput(env *Env, name, flag string, b []byte) error {
	if name == "-" {
		_, err := env.Stdout.Write(b)
		return err
	}
	tmp := name + ".tmp" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("plan: %s: %w", flag, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plan: %s: %w", flag, err)
	}
	return nil
}
