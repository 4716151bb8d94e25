module github.com/samspill/samspill/schemas

go 1.26
