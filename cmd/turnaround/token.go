package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/turnaround-sli/turnaround/services/platform/auth"
)

// tokenCommand prints a development token signed with the same key file an
// embedded instance uses, so the token works against `make run`.
func tokenCommand(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("turnaround token", flag.ContinueOnError)
	role := fs.String("role", "", "role: ofsted_inspector, lga_adviser, dfe_official, council_officer, sponsor_officer, partner_system")
	authority := fs.String("authority", "", "GSS code of the council (council_officer)")
	sponsor := fs.String("sponsor", "", "sponsor id (sponsor_officer)")
	subject := fs.String("subject", "", "subject (default dev-ROLE)")
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	keyFile := fs.String("dev-key-file", env("TURNAROUND_DEV_KEY_FILE", ""), "development key file (default in the user cache directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return err
	}
	key, err := loadDevKey(*keyFile)
	if err != nil {
		return err
	}
	p := auth.Principal{Subject: *subject, Roles: []auth.Role{r}, Authority: *authority, Sponsor: *sponsor}
	if p.Subject == "" {
		p.Subject = "dev-" + string(r)
	}
	tok, err := auth.MintDevToken(key, p, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}

// loadDevKey reads (or creates) the development key at path, or at the
// default path when path is empty.
func loadDevKey(path string) ([]byte, error) {
	if path == "" {
		p, err := auth.DefaultDevKeyPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return auth.LoadOrCreateDevKey(path)
}
