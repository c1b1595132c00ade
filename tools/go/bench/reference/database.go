package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// database@v1 (src/schemas/database.ts) as a typed struct: strict decoding, the same defaults and
// rules. The reference validates only this schema: it is the one the benchmark applies. Fields are
// declared in sorted order so the canonical JSON is encoding/json's output.

type database struct {
	Database          string     `json:"database"`
	Host              string     `json:"host"`
	PasswordSecretRef *secretRef `json:"passwordSecretRef,omitempty"`
	Pool              pool       `json:"pool"`
	Port              int64      `json:"port"`
	SSLMode           string     `json:"sslMode"`
	Timeouts          timeouts   `json:"timeouts"`
	User              string     `json:"user"`
}

type secretRef struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

type pool struct {
	IdleTimeoutSeconds int64 `json:"idleTimeoutSeconds"`
	Max                int64 `json:"max"`
	Min                int64 `json:"min"`
}

type timeouts struct {
	ConnectMs   int64 `json:"connectMs"`
	StatementMs int64 `json:"statementMs"`
}

var (
	hostPattern       = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	identifierPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]*$`)
	sslModes          = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}
)

// validateDatabase returns the value with defaults applied, or every problem found.
func validateDatabase(raw []byte) (*database, []string) {
	d := database{Port: 5432, SSLMode: "verify-full", Pool: pool{Min: 0, Max: 10, IdleTimeoutSeconds: 300}, Timeouts: timeouts{ConnectMs: 5000, StatementMs: 30000}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, []string{"data: " + err.Error()}
	}
	var problems []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	check(len(d.Host) >= 1 && len(d.Host) <= 253 && hostPattern.MatchString(d.Host), "data.host: must be a host name or an IPv4 address")
	check(d.Port >= 1 && d.Port <= 65535, "data.port: must be between 1 and 65535")
	for _, id := range [][2]string{{"database", d.Database}, {"user", d.User}} {
		check(len(id[1]) >= 1 && len(id[1]) <= 63 && identifierPattern.MatchString(id[1]), "data.%s: must start with a letter or _ and contain only letters, digits, _, $ or -", id[0])
	}
	if d.PasswordSecretRef != nil {
		if d.PasswordSecretRef.Key == "" {
			d.PasswordSecretRef.Key = "password"
		}
		check(len(d.PasswordSecretRef.Name) >= 1 && len(d.PasswordSecretRef.Name) <= 253, "data.passwordSecretRef.name: must be 1 to 253 characters")
	}
	check(slices.Contains(sslModes, d.SSLMode), "data.sslMode: must be one of %s", strings.Join(sslModes, ", "))
	check(d.Pool.Min >= 0 && d.Pool.Min <= 1000, "data.pool.min: must be between 0 and 1000")
	check(d.Pool.Max >= 1 && d.Pool.Max <= 1000, "data.pool.max: must be between 1 and 1000")
	check(d.Pool.IdleTimeoutSeconds >= 0 && d.Pool.IdleTimeoutSeconds <= 86400, "data.pool.idleTimeoutSeconds: must be between 0 and 86400")
	check(d.Pool.Min <= d.Pool.Max, "data.pool.min: must not be greater than pool.max")
	check(d.Timeouts.ConnectMs >= 1 && d.Timeouts.ConnectMs <= 600000, "data.timeouts.connectMs: must be between 1 and 600000")
	check(d.Timeouts.StatementMs >= 0 && d.Timeouts.StatementMs <= 86400000, "data.timeouts.statementMs: must be between 0 and 86400000")
	check(d.Timeouts.StatementMs == 0 || d.Timeouts.ConnectMs <= d.Timeouts.StatementMs, "data.timeouts.connectMs: must not be greater than timeouts.statementMs (unless statementMs is 0)")
	if len(problems) > 0 {
		return nil, problems
	}
	return &d, nil
}
