module github.com/enrollhq/enroll

go 1.26
