module tlsclient

go 1.19
