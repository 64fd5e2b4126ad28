# shellcheck shell=bash
# The image: built, tagged by its content, loaded into the kind node, and named
# in the overlay that is applied.
#
# Each build is tagged with the first 12 hex digits of its image ID
# (taskmanager:3f9a1c0d2b4e), which changes exactly when the image's content
# does. The tag goes into a generated overlay (deploy/.generated/kind, ignored
# by git) that is the committed kind overlay plus that one `images:` entry, and
# that is what is applied: the pods' first template already names the new
# image, so a deploy rolls each Deployment once, or not at all when nothing
# changed, and git's manifests plus the tag describe everything that runs.

GENERATED_OVERLAY=$ROOT/deploy/.generated/kind

build_image() {
    local id_file id
    id_file=$(mktemp)
    log "building the image with $ENGINE"
    "$ENGINE" build --iidfile "$id_file" "$ROOT"
    id=$(<"$id_file")
    rm -f "$id_file"
    id=${id#sha256:} # podman writes the bare hex, docker a sha256: prefix
    [[ $id =~ ^[0-9a-f]{12,}$ ]] || die "the build gave no image ID ('$id')"
    IMAGE=$IMAGE_NAME:${id:0:12}
    "$ENGINE" tag "$id" "$IMAGE"
    log "tagged $IMAGE"
}

# podman names a locally built image localhost/NAME:TAG, and that is the name
# `podman save` writes into the archive. The kubelet looks `taskmanager:<tag>`
# up under the default registry's name instead, so the archive is rewritten to
# carry the short name, which the node's containerd then expands the same way
# the kubelet does.
podman_archive() {
    local image=$1 archive=$2 work
    work=$(mktemp -d)
    podman save --format docker-archive --output "$work/saved.tar" "localhost/$image" >/dev/null
    mkdir "$work/layout"
    tar -xf "$work/saved.tar" -C "$work/layout"
    sed "s#\"localhost/$image\"#\"$image\"#g" "$work/layout/manifest.json" >"$work/manifest.json"
    mv "$work/manifest.json" "$work/layout/manifest.json"
    (cd "$work/layout" && tar -cf "$archive" -- *)
    rm -rf "$work"
}

load_image() {
    log "loading $IMAGE into the kind node"
    if [[ $ENGINE == docker ]]; then
        kind load docker-image "$IMAGE" --name "$CLUSTER_NAME"
    else
        local archive
        archive=$(mktemp -d)/taskmanager.tar
        podman_archive "$IMAGE" "$archive"
        kind load image-archive "$archive" --name "$CLUSTER_NAME"
        rm -rf "$(dirname "$archive")"
    fi
}

# The committed kind overlay with the tag of the image just built. The tag is
# quoted: an ID of digits only would otherwise be read as a number.
write_overlay() {
    mkdir -p "$GENERATED_OVERLAY"
    cat >"$GENERATED_OVERLAY/kustomization.yaml" <<YAML
# Written by deploy/deploy.sh; not committed. The kind overlay as git has it,
# with the image deploy.sh built and loaded. The same again:
#   kubectl --context kind-$CLUSTER_NAME apply -k deploy/.generated/kind
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../../kustomize/overlays/kind
images:
  - name: $IMAGE_NAME
    newTag: "${IMAGE#*:}"
YAML
}
