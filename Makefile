# Thin wrappers over npm scripts and the test-cluster scripts; npm scripts are the source of truth.
.PHONY: test typecheck crds cluster-up cluster-down images

test:
	npm test

typecheck:
	npm run typecheck

crds:
	npm run crds

cluster-up:
	bash test/cluster/up.sh

cluster-down:
	bash test/cluster/down.sh

# Builds the controller and CPU trainer images offline with buildah and prints their sizes (images/build.sh).
images:
	npm run images
