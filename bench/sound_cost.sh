#!/bin/sh
# Sound mode's cost (docs/results/trust.md): verity bench in both modes, two rounds alternating. VERITY=launcher SHARED=folder.
S=${SHARED:-$(dirname "$0")/../../shared}/benchmarks/vnncomp2021
run() { ${VERITY:-$(dirname "$0")/../verity} bench --model "$1" --vnnlib "$2" --method "$3" --reps "$4" --warmup 3 $5 2>&1 | grep -v WARN | grep -v "^model" | grep -v "^method" ; }
for round in 1 2; do
for snd in --no-sound --sound; do
 echo "== $round $snd mnistfc 256x4"; run $S/mnistfc/mnist-net_256x4.onnx $S/mnistfc/prop_0_0.03.vnnlib ibp,crown,deepz,crown-ibp,alpha-crown 10 $snd
 echo "== $round $snd acas 1_1 prop_1"; run $S/acasxu/ACASXU_run2a_1_1_batch_2000.onnx $S/acasxu/prop_1.vnnlib ibp,crown,alpha-crown 20 $snd
 echo "== $round $snd oval21 base_kw"; run $S/oval21/nets/cifar_base_kw.onnx $S/oval21/vnnlib/cifar_base_kw-img590-eps0.03228758169934641.vnnlib ibp,crown,deepz 10 $snd
 echo "== $round $snd eran 9x200"; run $S/eran/nets/mnist_relu_9_200.onnx $S/eran/specs/mnist/mnist_spec_idx_2697_eps_0.01500.vnnlib crown,alpha-crown 3 $snd
done; done
