module github.com/acme-corp/${{ values.name }}

go 1.24
